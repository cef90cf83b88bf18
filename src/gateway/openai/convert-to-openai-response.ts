import type { ChatResult, FinishReason, ToolCall, Usage } from '../model-provider.js';

/** umca finish reasons in OpenAI's words. */
export function toOpenAiFinishReason(reason: FinishReason): string {
  switch (reason) {
    case 'tool-calls':
      return 'tool_calls';
    case 'content-filter':
      return 'content_filter';
    case 'length':
      return 'length';
    default:
      return 'stop';
  }
}

export function toOpenAiUsage(usage: Usage): { prompt_tokens: number; completion_tokens: number; total_tokens: number; completion_tokens_details?: { reasoning_tokens: number } } {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    ...(usage.reasoningTokens === undefined ? {} : { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }),
  };
}

function toOpenAiToolCall(call: ToolCall) {
  return { id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } };
}

/** A whole `chat.completion` object. */
export function toOpenAiCompletion(id: string, created: number, result: ChatResult): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion',
    created,
    model: result.model,
    system_fingerprint: result.systemFingerprint ?? null,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: result.toolCalls.length && !result.content ? null : result.content,
          refusal: null,
          // A reasoning model's thinking, apart from its reply, as DeepSeek's API names it.
          ...(result.reasoning ? { reasoning_content: result.reasoning } : {}),
          ...(result.toolCalls.length ? { tool_calls: result.toolCalls.map(toOpenAiToolCall) } : {}),
        },
        finish_reason: toOpenAiFinishReason(result.finishReason),
        logprobs: null,
      },
    ],
    usage: toOpenAiUsage(result.usage),
  };
}

/** Builds the `chat.completion.chunk` objects of one streamed reply. */
export class ChunkWriter {
  readonly #base: { id: string; object: 'chat.completion.chunk'; created: number; model: string; system_fingerprint: string | null };
  #toolIndex = 0;

  constructor(id: string, created: number, model: string) {
    this.#base = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: null };
  }

  set model(model: string) {
    this.#base.model = model;
  }

  set systemFingerprint(fingerprint: string | undefined) {
    this.#base.system_fingerprint = fingerprint ?? null;
  }

  start() {
    return { ...this.#base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }] };
  }

  text(text: string) {
    return { ...this.#base, choices: [{ index: 0, delta: { content: text }, finish_reason: null, logprobs: null }] };
  }

  reasoning(text: string) {
    return { ...this.#base, choices: [{ index: 0, delta: { reasoning_content: text }, finish_reason: null, logprobs: null }] };
  }

  toolCall(call: ToolCall) {
    const index = this.#toolIndex++;
    return { ...this.#base, choices: [{ index: 0, delta: { tool_calls: [{ index, ...toOpenAiToolCall(call) }] }, finish_reason: null, logprobs: null }] };
  }

  finish(reason: FinishReason) {
    return { ...this.#base, choices: [{ index: 0, delta: {}, finish_reason: toOpenAiFinishReason(reason), logprobs: null }] };
  }

  usage(usage: Usage) {
    return { ...this.#base, choices: [], usage: toOpenAiUsage(usage) };
  }
}
