import { ProviderDecorator } from '../provider-decorator.js';
import type { CallOptions, ChatRequest, ChatResult, EmbedRequest, EmbedResult, ModelProvider, StreamPart } from '../model-provider.js';
import type { BudgetGuard, Reservation } from './budget-guard.js';
import { countPromptTokens, countTokens } from './token-counter.js';

/** Checks a call against its caller's budgets before it goes upstream, and settles after. */
export class BudgetedProvider extends ProviderDecorator {
  readonly #ref: string;
  readonly #guard: BudgetGuard;
  readonly #cost: (ref: string, model: string, input: number, output: number) => number;

  constructor(ref: string, inner: ModelProvider, guard: BudgetGuard, cost: (ref: string, model: string, input: number, output: number) => number) {
    super(inner);
    this.#ref = ref;
    this.#guard = guard;
    this.#cost = cost;
  }

  override async chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult> {
    const reservation = await this.#reserveChat(request);
    if (!reservation) return this.inner.chat(request, options);
    try {
      const result = await this.inner.chat(request, options);
      await this.#settle(reservation, result.model, result.usage.inputTokens, result.usage.outputTokens);
      return result;
    } catch (error) {
      await this.#guard.settle(reservation, { tokens: 0, costUsd: 0 });
      throw error;
    }
  }

  override async *stream(request: ChatRequest, options?: CallOptions): AsyncIterable<StreamPart> {
    const reservation = await this.#reserveChat(request);
    if (!reservation) {
      yield* this.inner.stream(request, options);
      return;
    }
    let settled = false;
    try {
      for await (const part of this.inner.stream(request, options)) {
        if (part.type === 'finish') {
          await this.#settle(reservation, part.model, part.usage.inputTokens, part.usage.outputTokens);
          settled = true;
        }
        yield part;
      }
    } finally {
      if (!settled) await this.#guard.settle(reservation, { tokens: 0, costUsd: 0 });
    }
  }

  override async embed(request: EmbedRequest, options?: CallOptions): Promise<EmbedResult> {
    const subjects = this.#guard.subjects(request.metadata);
    if (subjects.length === 0) return this.inner.embed(request, options);
    const tokens = await countTokens(request.input);
    const reservation = await this.#guard.reserve(subjects, tokens, this.#cost(this.#ref, this.model, tokens, 0));
    try {
      const result = await this.inner.embed(request, options);
      await this.#settle(reservation, result.model, result.usage.inputTokens, 0);
      return result;
    } catch (error) {
      await this.#guard.settle(reservation, { tokens: 0, costUsd: 0 });
      throw error;
    }
  }

  async #reserveChat(request: ChatRequest): Promise<Reservation | undefined> {
    const subjects = this.#guard.subjects(request.metadata);
    if (subjects.length === 0) return undefined;
    const prompt = await countPromptTokens(request.messages);
    const output = request.maxTokens ?? this.#guard.defaultOutputTokens;
    return this.#guard.reserve(subjects, prompt + output, this.#cost(this.#ref, this.model, prompt, output));
  }

  #settle(reservation: Reservation, model: string, input: number, output: number): Promise<void> {
    return this.#guard.settle(reservation, { tokens: input + output, costUsd: this.#cost(this.#ref, model, input, output) });
  }
}
