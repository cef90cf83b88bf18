import type { IncomingHttpHeaders } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Agent, request, type Dispatcher } from 'undici';
import { ProviderError, UpstreamRejectedError, type UpstreamRejection } from '../../core/errors.js';
import { emitterDeadline } from '../deadline.js';

export interface UpstreamHttpSettings {
  /** The provider kind, for errors: `openai-compatible`, `anthropic`. */
  kind: string;
  /** Total time for one call, the whole answer (or stream) read included; default 120 s. */
  timeoutMs?: number | undefined;
  /** Time to open a connection to the upstream; default 10 s. */
  connectTimeoutMs?: number | undefined;
  /** Sent with every call: keys, API versions. */
  headers?: Record<string, string>;
  /** The error detail in an upstream's error body, e.g. OpenAI's `error.message`. */
  describeError?: (body: unknown) => string | undefined;
  /**
   * The upstream's own error (code, message, param, type) when it refuses a request for what
   * the request holds (400, 413, 422): the caller gets that refusal, not a 502.
   */
  rejection?: (body: unknown) => UpstreamRejection | undefined;
}

/** Statuses that mean the request itself was wrong: passed back to the caller as they came. */
const CALLER_STATUSES = new Set([400, 413, 422]);

/** An upstream's 2xx answer. Reading its body (`text()` or `events()`) to the end, or stopping early, ends the call. */
export interface UpstreamAnswer {
  text(): Promise<string>;
  /** The body as server-sent events. */
  events(): AsyncIterable<EventSourceMessage>;
}

/**
 * POSTs JSON to a model server over undici's `request`: pooled keep-alive connections, a
 * connect timeout, and no Web Streams (Node 20's `fetch` costs several times more CPU per
 * call; docs/benchmarks.md). Failures become ProviderErrors naming the upstream: 429 and
 * 5xx, timeouts and lost connections are retryable, and carry the upstream's Retry-After.
 */
export class UpstreamHttp {
  readonly #settings: UpstreamHttpSettings;
  readonly #dispatcher: Dispatcher;
  /** Built once: the headers of a call that wants JSON back, and of one that wants a stream. */
  readonly #headers: { json: Record<string, string>; stream: Record<string, string> };

  constructor(settings: UpstreamHttpSettings) {
    this.#settings = settings;
    const base = { 'content-type': 'application/json', ...settings.headers };
    this.#headers = { json: { ...base, accept: 'application/json' }, stream: { ...base, accept: 'text/event-stream' } };
    this.#dispatcher = new Agent({ keepAliveTimeout: 30_000, connect: { timeout: settings.connectTimeoutMs ?? 10_000 } });
  }

  /** POSTs `body` as JSON; `stream` asks for server-sent events back. */
  async post(url: string, body: unknown, options: { stream?: boolean; signal?: AbortSignal | undefined } = {}): Promise<UpstreamAnswer> {
    const { signal } = options;
    const { kind } = this.#settings;
    const timeoutMs = this.#settings.timeoutMs ?? 120_000;
    const expiredError = () => new ProviderError(kind, url, `no answer within ${timeoutMs} ms`, { code: 'provider_unreachable', isRetryable: true });
    if (signal?.aborted) throw signal.reason;
    const call = emitterDeadline(timeoutMs, signal);
    /** An error while connecting or reading, as the caller should see it. */
    const failure = (error: unknown, what: string): unknown => {
      if (signal?.aborted) return signal.reason ?? error;
      if (call.expired) return expiredError();
      if (error instanceof ProviderError) return error;
      const code = (error as { code?: string }).code;
      return new ProviderError(kind, url, `${what} (${code ?? (error as Error).message})`, { code: 'provider_unreachable', cause: error, isRetryable: true });
    };
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'POST',
        dispatcher: this.#dispatcher,
        headers: options.stream ? this.#headers.stream : this.#headers.json,
        body: JSON.stringify(body),
        signal: call.signal,
      });
    } catch (error) {
      call.done();
      throw failure(error, 'cannot reach the model server');
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const text = await response.body.text().catch(() => '');
      call.done();
      throw this.#httpError(url, response.statusCode, response.headers, text);
    }
    const { body: stream } = response;
    /** Ends the call: its timeout, and the body if it was not read to the end. */
    const done = () => {
      call.done();
      if (!stream.readableEnded) stream.destroy();
    };
    return {
      text: async () => {
        try {
          return await stream.text();
        } catch (error) {
          throw failure(error, 'the answer broke off');
        } finally {
          done();
        }
      },
      events: async function* () {
        const queue: EventSourceMessage[] = [];
        const parser = createParser({ onEvent: (event) => queue.push(event) });
        const decoder = new TextDecoder();
        try {
          for await (const chunk of stream) {
            parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
            for (const event of queue) yield event;
            queue.length = 0;
          }
        } catch (error) {
          throw failure(error, 'stream broke');
        } finally {
          done();
        }
      },
    };
  }

  #httpError(url: string, status: number, headers: IncomingHttpHeaders, text: string): ProviderError {
    let detail: string | undefined;
    let body: unknown;
    try {
      body = JSON.parse(text);
      detail = this.#settings.describeError?.(body);
    } catch {
      // not JSON: the start of the text tells the most
    }
    if (CALLER_STATUSES.has(status)) {
      const rejection = body === undefined ? undefined : this.#settings.rejection?.(body);
      return new UpstreamRejectedError(this.#settings.kind, url, status, rejection ?? { message: detail ?? text.slice(0, 200) });
    }
    detail ??= text.slice(0, 200);
    const retryAfterMs = parseRetryAfter(headers);
    return new ProviderError(this.#settings.kind, url, `HTTP ${status}${detail ? `: ${detail}` : ''}`, {
      code: status === 429 ? 'provider_rate_limited' : 'provider_http_error',
      isRetryable: status === 429 || status >= 500,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
}

/** `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date. */
export function parseRetryAfter(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const msHeader = headers['retry-after-ms'];
  const ms = Number(msHeader);
  if (typeof msHeader === 'string' && msHeader !== '' && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  const seconds = Number(value);
  if (value !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
