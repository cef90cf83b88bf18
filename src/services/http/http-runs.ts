import { createParser } from 'eventsource-parser';
import type { RunEvent } from '../../core/events.js';
import type { ArtifactRecord, RunRecord } from '../../core/run.js';
import type { ListRunsInput, StartRunInput } from '../run-input.js';
import type { ArtifactContent, RunPage, Runs, RunView } from '../runs.js';
import { queryString, type UmcaHttpClient } from './umca-http-client.js';

const segment = encodeURIComponent;

/**
 * The run use cases of a running `umca serve`, over its HTTP API: the CLI uses this
 * instead of the service in its own process while the server holds the embedded store.
 */
export class HttpRuns implements Runs {
  constructor(private readonly http: UmcaHttpClient) {}

  start(input: StartRunInput): Promise<RunRecord> {
    return this.http.json<{ id: string }>('POST', '/v1/runs', input).then(({ id }) => this.get(id));
  }

  get(id: string): Promise<RunView & { artifacts: Array<Omit<ArtifactRecord, 'run_id'>> }> {
    return this.http.json('GET', `/v1/runs/${segment(id)}`);
  }

  list(query: ListRunsInput): Promise<RunPage> {
    return this.http.json('GET', `/v1/runs${queryString(query)}`);
  }

  async events(id: string, options: { afterSeq?: number; limit?: number } = {}): Promise<RunEvent[]> {
    const answer = await this.http.send('GET', `/v1/runs/${segment(id)}/log${queryString({ after: options.afterSeq || undefined, limit: options.limit })}`, { accept: 'application/x-ndjson' });
    const text = await answer.body.text();
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as RunEvent);
  }

  async follow(id: string, options: { afterSeq?: number; signal?: AbortSignal; idleMs?: number } = {}): Promise<AsyncIterable<RunEvent | undefined>> {
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const answer = await this.http.send('GET', `/v1/runs/${segment(id)}/events`, { accept: 'text/event-stream', headers: { 'last-event-id': String(options.afterSeq ?? 0) }, signal });
    return (async function* () {
      const queue: Array<RunEvent | undefined> = [];
      const parser = createParser({ onEvent: (message) => queue.push(JSON.parse(message.data) as RunEvent), onComment: () => queue.push(undefined) });
      const decoder = new TextDecoder();
      try {
        for await (const chunk of answer.body) {
          parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
          yield* queue.splice(0);
        }
      } catch (error) {
        if (!signal.aborted) throw error;
      } finally {
        controller.abort();
      }
    })();
  }

  cancel(id: string): Promise<RunRecord> {
    return this.http.json('POST', `/v1/runs/${segment(id)}/cancel`, {});
  }

  override(id: string, reason: string): Promise<RunRecord> {
    return this.http.json('POST', `/v1/runs/${segment(id)}/override`, { reason });
  }

  verify(id: string) {
    return this.http.json<Awaited<ReturnType<Runs['verify']>>>('GET', `/v1/runs/${segment(id)}/verify`);
  }

  async artifacts(id: string): Promise<ArtifactRecord[]> {
    const { data } = await this.http.json<{ data: Array<Omit<ArtifactRecord, 'run_id'>> }>('GET', `/v1/runs/${segment(id)}/artifacts`);
    return data.map((record) => ({ run_id: id, ...record }));
  }

  async artifact(id: string, path: string): Promise<ArtifactContent> {
    const { headers, content } = await this.http.bytes(`/v1/runs/${segment(id)}/artifacts/${path.split('/').map(segment).join('/')}`);
    return { record: { run_id: id, path, sha256: String(headers['x-content-sha256'] ?? ''), size: content.byteLength }, content };
  }
}
