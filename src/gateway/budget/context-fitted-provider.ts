import { ProviderDecorator } from '../provider-decorator.js';
import { InvalidRequestError } from '../../core/errors.js';
import type { CallOptions, ChatRequest, ChatResult, ModelProvider, StreamPart } from '../model-provider.js';
import { fitContext } from './fit-context.js';
import { countPromptTokens } from './token-counter.js';

/** Keeps every request within an upstream's context window: its prompt plus its output cap. */
export class ContextFittedProvider extends ProviderDecorator {
  readonly #contextTokens: number;
  readonly #policy: 'drop-oldest' | 'error';

  constructor(inner: ModelProvider, contextTokens: number, policy: 'drop-oldest' | 'error') {
    super(inner);
    this.#contextTokens = contextTokens;
    this.#policy = policy;
  }

  override async chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult> {
    return this.inner.chat(await this.#fit(request), options);
  }

  override async *stream(request: ChatRequest, options?: CallOptions): AsyncIterable<StreamPart> {
    yield* this.inner.stream(await this.#fit(request), options);
  }

  async #fit(request: ChatRequest): Promise<ChatRequest> {
    const budget = this.#contextTokens - (request.maxTokens ?? 0);
    const tokens = await countPromptTokens(request.messages);
    if (tokens <= budget) return request;
    const refuse = (why: string) =>
      new InvalidRequestError(`${why}: the prompt is ${tokens} tokens, ${this.model} takes ${this.#contextTokens} including max_tokens ${request.maxTokens ?? 0}`, 'context_length_exceeded', 'messages');
    if (this.#policy === 'error' || budget <= 0) throw refuse('the request does not fit the context window');
    const messages = await fitContext(request.messages, budget, countPromptTokens);
    if (!messages) throw refuse('even the system messages and the last user turn do not fit the context window');
    return { ...request, messages };
  }
}
