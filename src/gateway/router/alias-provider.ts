import { ProviderError, UmcaError, UpstreamRejectedError } from '../../core/errors.js';
import type { CallOptions, ChatRequest, ChatResult, EmbedRequest, EmbedResult, ModelProvider, StreamPart, StructuredOutput } from '../model-provider.js';
import { deadline, rejectOnAbort, type Deadline } from '../deadline.js';
import type { ResilientProvider } from './resilient-provider.js';

export type Strategy = 'fallback' | 'weighted' | 'least-latency';

export interface AliasTarget {
  provider: ResilientProvider;
  weight: number;
}

/**
 * A model alias (`planner: [deepseek, qwen]`): tries its targets in the order the strategy
 * gives, skipping open circuits, moving on when one fails, all within one total timeout.
 * A stream moves on only before its first part reached the caller.
 */
export class AliasProvider implements ModelProvider {
  readonly kind = 'alias';
  readonly url = undefined;
  readonly label: string;
  readonly model: string;
  readonly scripted: boolean;
  /** What every target holds to: a request may go to any of them. */
  readonly structuredOutput: StructuredOutput;
  readonly #targets: readonly AliasTarget[];
  readonly #strategy: Strategy;
  readonly #totalMs: number;
  readonly #random: () => number;

  constructor(name: string, targets: readonly AliasTarget[], options: { strategy: Strategy; totalTimeoutMs: number; random?: () => number }) {
    this.model = name;
    this.#targets = targets;
    this.#strategy = options.strategy;
    this.#totalMs = options.totalTimeoutMs;
    this.#random = options.random ?? Math.random;
    this.label = `${name} (${options.strategy}: ${targets.map((t) => t.provider.label).join(', ')})`;
    this.scripted = targets.every((t) => t.provider.scripted);
    const held = targets.map((t) => t.provider.structuredOutput ?? 'json_object');
    this.structuredOutput = held.includes('none') ? 'none' : held.every((h) => h === 'json_schema') ? 'json_schema' : 'json_object';
  }

  /** What any of its targets would drop: the call may go to any of them. */
  ignoredFields(request: ChatRequest): string[] {
    return [...new Set(this.#targets.flatMap((t) => t.provider.ignoredFields?.(request) ?? []))].sort();
  }

  chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    return this.#first(options, (provider, signal) => provider.chat(request, { signal }));
  }

  embed(request: EmbedRequest, options: CallOptions = {}): Promise<EmbedResult> {
    return this.#first(options, (provider, signal) => provider.embed(request, { signal }));
  }

  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<StreamPart> {
    // Fail over while nothing has reached the caller; the first part commits to a target.
    const { parts, first } = await this.#first(options, async (provider, signal) => {
      const parts = provider.stream(request, { signal })[Symbol.asyncIterator]();
      return { parts, first: await parts.next() };
    });
    if (first.done) return;
    yield first.value;
    for (let next = await parts.next(); !next.done; next = await parts.next()) yield next.value;
  }

  /** The order in which targets are tried for one call. */
  order(): AliasTarget[] {
    const live = this.#targets.filter((t) => t.provider.available);
    if (this.#strategy === 'least-latency') {
      // Unmeasured targets first, so each gets measured; then fastest first.
      return [...live].sort((a, b) => (a.provider.latencyMs ?? -1) - (b.provider.latencyMs ?? -1));
    }
    if (this.#strategy === 'weighted') {
      const pool = [...live];
      const ordered: AliasTarget[] = [];
      while (pool.length > 0) {
        let pick = this.#random() * pool.reduce((sum, t) => sum + t.weight, 0);
        const index = pool.findIndex((t) => (pick -= t.weight) < 0);
        ordered.push(...pool.splice(index < 0 ? pool.length - 1 : index, 1));
      }
      return ordered;
    }
    return live;
  }

  async #first<T>(options: CallOptions, call: (provider: ModelProvider, signal: AbortSignal) => Promise<T>): Promise<T> {
    const total = deadline(this.#totalMs, options.signal, () => new Error(`total timeout of ${this.#totalMs} ms`));
    try {
      return await this.#tryTargets(options, total, call);
    } finally {
      total.done();
    }
  }

  async #tryTargets<T>(options: CallOptions, total: Deadline, call: (provider: ModelProvider, signal: AbortSignal) => Promise<T>): Promise<T> {
    const { signal } = total;
    const failures: string[] = [];
    const targets = this.order();
    if (targets.length === 0) {
      throw new ProviderError('alias', undefined, `"${this.model}": every upstream's circuit is open`, { code: 'provider_unavailable', status: 503 });
    }
    for (const target of targets) {
      if (signal.aborted) break;
      try {
        return await Promise.race([call(target.provider, signal), rejectOnAbort(signal)]);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        if (total.expired) break;
        if (error instanceof UmcaError && !(error instanceof ProviderError)) throw error;
        // The caller's own mistake, as an upstream judged it: another upstream would say the same.
        if (error instanceof UpstreamRejectedError) throw error;
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (total.expired) {
      throw new ProviderError('alias', undefined, `"${this.model}": no upstream answered within ${this.#totalMs} ms${failures.length ? ` (${failures.join('; ')})` : ''}`, {
        code: 'upstream_timeout',
        status: 504,
      });
    }
    throw new ProviderError('alias', undefined, `"${this.model}": every upstream failed: ${failures.join('; ')}`, { code: 'upstream_failed', status: 502 });
  }
}
