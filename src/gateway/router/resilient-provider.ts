import { ProviderDecorator } from '../provider-decorator.js';
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, retry, wrap, type IPolicy } from 'cockatiel';
import { ProviderError } from '../../core/errors.js';
import type { RoutingConfig } from '../../core/config.js';
import type { CallOptions, ChatRequest, ChatResult, EmbedRequest, EmbedResult, ModelProvider, StreamPart } from '../model-provider.js';
import { deadline, rejectOnAbort } from '../deadline.js';
import { RetryAfterBackoff } from './retry-after-backoff.js';

/**
 * One upstream with its own resilience: retries with jittered exponential backoff (never
 * shorter than Retry-After) on 429, 5xx, timeouts and lost connections; a circuit breaker
 * that stops calling an upstream after consecutive failures; a first-token timeout for
 * streams. A stream is retried only until its first part; after that, errors reach the caller.
 */
export class ResilientProvider extends ProviderDecorator {
  readonly #policy: IPolicy<{ signal: AbortSignal; attempt: number }>;
  readonly #breaker: ReturnType<typeof circuitBreaker>;
  readonly #firstTokenMs: number;
  /** Smoothed time to a reply (or first token), for the least-latency strategy. */
  #latencyMs: number | undefined;

  constructor(inner: ModelProvider, routing: RoutingConfig) {
    super(inner);
    this.#firstTokenMs = routing.first_token_timeout_ms;
    const upstreamFault = handleWhen((error) => error instanceof ProviderError && error.isRetryable);
    this.#breaker = circuitBreaker(upstreamFault, {
      halfOpenAfter: routing.breaker_half_open_ms,
      breaker: new ConsecutiveBreaker(routing.breaker_failures),
    });
    const retries = retry(upstreamFault, {
      maxAttempts: routing.max_attempts - 1,
      backoff: new RetryAfterBackoff({ initialDelay: routing.backoff_initial_ms, maxDelay: routing.backoff_max_ms }),
    });
    this.#policy = wrap(retries, this.#breaker);
  }

  /** False while the circuit is open: the router skips this upstream without calling it. */
  get available(): boolean {
    return this.#breaker.state !== CircuitState.Open && this.#breaker.state !== CircuitState.Isolated;
  }

  get latencyMs(): number | undefined {
    return this.#latencyMs;
  }

  override chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    return this.#run(options, (signal) => this.inner.chat(request, { signal }));
  }

  override embed(request: EmbedRequest, options: CallOptions = {}): Promise<EmbedResult> {
    return this.#run(options, (signal) => this.inner.embed(request, { signal }));
  }

  override async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<StreamPart> {
    const { parts, first } = await this.#run(options, async (signal) => {
      const firstToken = deadline(this.#firstTokenMs, signal, () =>
        new ProviderError(this.kind, this.url, `no first token within ${this.#firstTokenMs} ms`, { code: 'provider_timeout', status: 504, isRetryable: true }),
      );
      // The deadline's signal keeps following the caller after the first part; only its timer stops.
      const parts = this.inner.stream(request, { signal: firstToken.signal })[Symbol.asyncIterator]();
      try {
        const first = await Promise.race([parts.next(), rejectOnAbort(firstToken.signal)]);
        return { parts, first };
      } finally {
        firstToken.done();
      }
    });
    if (first.done) return;
    yield first.value;
    for (let next = await parts.next(); !next.done; next = await parts.next()) yield next.value;
  }

  async #run<T>(options: CallOptions, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      // cockatiel's attempt signal already follows the caller's.
      const result = await this.#policy.execute(({ signal }) => call(signal), options.signal);
      const took = performance.now() - started;
      this.#latencyMs = this.#latencyMs === undefined ? took : this.#latencyMs * 0.8 + took * 0.2;
      return result;
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new ProviderError(this.kind, this.url, 'circuit open after repeated failures; not calling it for now', { code: 'provider_circuit_open', status: 503 });
      }
      throw error;
    }
  }
}
