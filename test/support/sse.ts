import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { RunEvent } from '../../src/core/events.js';

/** Reads an SSE response to its end (or `limit` events) with a real SSE parser. */
export async function readSse(response: Response, limit = Infinity): Promise<Array<{ id: string | undefined; event: RunEvent }>> {
  const out: Array<{ id: string | undefined; event: RunEvent }> = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  while (out.length < limit) {
    const { value, done } = await reader.read();
    if (done) break;
    out.push({ id: value.id, event: JSON.parse(value.data) as RunEvent });
  }
  await reader.cancel();
  return out;
}

/** The `data:` payloads of an SSE response, as text, to its end. */
export async function readRawSse(response: Response): Promise<string[]> {
  const out: string[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out.push(value.data);
  }
}
