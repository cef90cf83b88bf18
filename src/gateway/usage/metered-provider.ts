import { ProviderDecorator } from '../provider-decorator.js';
import { toUmcaError } from '../../core/errors.js';
import type { CallOptions, ChatRequest, ChatResult, EmbedRequest, EmbedResult, ModelProvider, StreamPart } from '../model-provider.js';
import type { UsageMeter } from './usage-meter.js';

/**
 * Meters every call of a provider: one usage record each, with latency, time to first token
 * (streams), tokens, cost and status. A stream's usage is counted even when the caller did
 * not ask for it (the upstream is always asked for usage).
 */
export class MeteredProvider extends ProviderDecorator {
  readonly #ref: string;
  readonly #meter: UsageMeter;

  constructor(ref: string, inner: ModelProvider, meter: UsageMeter) {
    super(inner);
    this.#ref = ref;
    this.#meter = meter;
  }

  override async chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult> {
    const started = performance.now();
    try {
      const result = await this.inner.chat(request, options);
      this.#ok(request, started, null, result.model, result.usage.inputTokens, result.usage.outputTokens);
      return result;
    } catch (error) {
      this.#failed(request, started, error);
      throw error;
    }
  }

  override async embed(request: EmbedRequest, options?: CallOptions): Promise<EmbedResult> {
    const started = performance.now();
    try {
      const result = await this.inner.embed(request, options);
      this.#ok(undefined, started, null, result.model, result.usage.inputTokens, 0);
      return result;
    } catch (error) {
      this.#failed(undefined, started, error);
      throw error;
    }
  }

  override async *stream(request: ChatRequest, options?: CallOptions): AsyncIterable<StreamPart> {
    const started = performance.now();
    let ttft: number | null = null;
    try {
      for await (const part of this.inner.stream(request, options)) {
        ttft ??= performance.now() - started;
        if (part.type === 'finish') this.#ok(request, started, ttft, part.model, part.usage.inputTokens, part.usage.outputTokens);
        yield part;
      }
    } catch (error) {
      this.#failed(request, started, error, ttft);
      throw error;
    }
  }

  #ok(request: ChatRequest | undefined, started: number, ttft: number | null, upstreamModel: string, input: number, output: number): void {
    this.#meter.record({
      model_ref: this.#ref,
      provider: this.kind,
      upstream_model: upstreamModel,
      run_id: runIdOf(request),
      input_tokens: input,
      output_tokens: output,
      cached: false,
      latency_ms: performance.now() - started,
      ttft_ms: ttft,
      cost_usd: this.#meter.cost(this.#ref, upstreamModel, input, output),
      status: 'ok',
      error_code: null,
    });
  }

  #failed(request: ChatRequest | undefined, started: number, error: unknown, ttft: number | null = null): void {
    this.#meter.record({
      model_ref: this.#ref,
      provider: this.kind,
      upstream_model: this.model,
      run_id: runIdOf(request),
      input_tokens: 0,
      output_tokens: 0,
      cached: false,
      latency_ms: performance.now() - started,
      ttft_ms: ttft,
      cost_usd: 0,
      status: 'error',
      error_code: toUmcaError(error).code,
    });
  }
}

function runIdOf(request: ChatRequest | undefined): string | null {
  const id = request?.metadata?.run_id;
  return typeof id === 'string' ? id : null;
}
