import { ProviderDecorator } from '../provider-decorator.js';
import { InvalidRequestError } from '../../core/errors.js';
import type { CallOptions, ChatMessage, ChatRequest, ChatResult, ModelProvider, StreamPart } from '../model-provider.js';
import { fitContext } from './fit-context.js';
import { countPromptTokens } from './token-counter.js';

export type TruncationPolicy =
  | { kind: 'drop-oldest' }
  | { kind: 'error' }
  /** Drop the oldest turns and put a summary of them, written by `summariser`, in their place. */
  | { kind: 'summarise'; summariser: () => ModelProvider; summaryTokens: number };

const SUMMARY_PROMPT =
  'Summarise the conversation below for an assistant that will continue it without seeing it. Keep facts, decisions, ' +
  'names, numbers, file paths and open questions; leave out pleasantries. Reply with the summary only.';

/** Keeps every request within an upstream's context window: its prompt plus its output cap. */
export class ContextFittedProvider extends ProviderDecorator {
  readonly #contextTokens: number;
  readonly #policy: TruncationPolicy;

  constructor(inner: ModelProvider, contextTokens: number, policy: TruncationPolicy) {
    super(inner);
    this.#contextTokens = contextTokens;
    this.#policy = policy;
  }

  override async chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult> {
    return this.inner.chat(await this.#fit(request, options), options);
  }

  override async *stream(request: ChatRequest, options?: CallOptions): AsyncIterable<StreamPart> {
    yield* this.inner.stream(await this.#fit(request, options), options);
  }

  async #fit(request: ChatRequest, options: CallOptions | undefined): Promise<ChatRequest> {
    const budget = this.#contextTokens - (request.maxTokens ?? 0);
    const tokens = await countPromptTokens(request.messages);
    if (tokens <= budget) return request;
    const refuse = (why: string) =>
      new InvalidRequestError(`${why}: the prompt is ${tokens} tokens, ${this.model} takes ${this.#contextTokens} including max_tokens ${request.maxTokens ?? 0}`, 'context_length_exceeded', 'messages');
    const policy = this.#policy;
    if (policy.kind === 'error' || budget <= 0) throw refuse('the request does not fit the context window');
    if (policy.kind === 'summarise') {
      const summarised = await this.#summarised(request, budget, policy, options);
      if (summarised) return summarised;
    }
    const fitted = await fitContext(request.messages, budget, countPromptTokens);
    if (!fitted) throw refuse('even the system messages and the last user turn do not fit the context window');
    return { ...request, messages: fitted.messages };
  }

  /**
   * The oldest turns replaced by a summary, leaving room for it; undefined when that cannot
   * be had (the summary model failed, or nothing fits), and dropping alone must do.
   */
  async #summarised(request: ChatRequest, budget: number, policy: Extract<TruncationPolicy, { kind: 'summarise' }>, options: CallOptions | undefined): Promise<ChatRequest | undefined> {
    const fitted = await fitContext(request.messages, budget - policy.summaryTokens, countPromptTokens);
    if (!fitted || fitted.dropped.length === 0) return undefined;
    let summary: string;
    try {
      const transcript = fitted.dropped.map(render).join('\n');
      const result = await policy.summariser().chat(
        { messages: [{ role: 'system', content: SUMMARY_PROMPT }, { role: 'user', content: transcript }], maxTokens: policy.summaryTokens, temperature: 0, ...(request.metadata ? { metadata: request.metadata } : {}) },
        options,
      );
      summary = result.content.trim();
    } catch (error) {
      if (options?.signal?.aborted) throw error;
      return undefined;
    }
    if (!summary) return undefined;
    const systemCount = fitted.messages.findIndex((m) => m.role !== 'system');
    const at = systemCount < 0 ? fitted.messages.length : systemCount;
    const note: ChatMessage = { role: 'system', content: `Summary of the ${fitted.dropped.length} earliest messages of this conversation, left out to fit the context window:\n${summary}` };
    const messages = [...fitted.messages.slice(0, at), note, ...fitted.messages.slice(at)];
    return (await countPromptTokens(messages)) <= budget ? { ...request, messages } : undefined;
  }
}

function render(message: ChatMessage): string {
  const calls = message.toolCalls?.map((call) => ` [calls ${call.name}(${call.arguments})]`).join('') ?? '';
  return `${message.role}: ${message.content}${calls}`;
}
