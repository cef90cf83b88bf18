import { EventSourceParserStream } from 'eventsource-parser/stream';
import { authHeaders } from './api.js';
import type { RunEvent } from './types.js';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

const TERMINAL = new Set(['run.completed', 'run.failed', 'run.blocked', 'run.cancelled']);

/**
 * Follows a run's events over SSE (`GET /v1/runs/:id/events`), read with fetch so the
 * credentials go in a header. Each event is handed on once, in seq order: after a drop the
 * stream resumes with `Last-Event-ID` = the last seq seen (backing off 0.5 s to 5 s) and
 * anything already seen is skipped. Ends after the run's final event, or on `stop()`.
 */
export function followRun(runId: string, handlers: { onEvent(event: RunEvent): void; onState(state: StreamState, detail?: string): void }, options: { afterSeq?: number } = {}): () => void {
  const controller = new AbortController();
  let last = options.afterSeq ?? 0;
  let delay = 500;
  const loop = async () => {
    let ended = false;
    while (!controller.signal.aborted && !ended) {
      handlers.onState(last === 0 ? 'connecting' : 'reconnecting');
      try {
        const response = await fetch(`/v1/runs/${runId}/events`, { headers: { ...authHeaders(), ...(last ? { 'last-event-id': String(last) } : {}), accept: 'text/event-stream' }, signal: controller.signal });
        if (!response.ok || !response.body) {
          const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
          if (response.status >= 400 && response.status < 500) {
            handlers.onState('ended', body?.error?.message ?? `umca answered ${response.status}`);
            return;
          }
          throw new Error(`umca answered ${response.status}`);
        }
        handlers.onState('live');
        delay = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const event = JSON.parse(value.data) as RunEvent;
          if (event.seq <= last) continue;
          last = event.seq;
          handlers.onEvent(event);
          if (TERMINAL.has(event.type)) ended = true;
        }
        // The server ends the stream after the final event; an end before it is a drop.
      } catch {
        // A dropped connection or a failed read: resume below, after the last seq seen.
        if (controller.signal.aborted) return;
      }
      if (!ended && !controller.signal.aborted) {
        handlers.onState('reconnecting');
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
    if (ended) handlers.onState('ended');
  };
  void loop();
  return () => controller.abort();
}
