import { ProviderError } from '../../../core/errors.js';
import type { CallOptions, ChatRequest, ChatResult, EmbedRequest, EmbedResult, ModelProvider, StreamPart, StructuredOutput, ToolCall, Usage } from '../../model-provider.js';
import { parseUpstreamJson, parseUpstreamShape } from '../parse-upstream.js';
import { UpstreamHttp, type UpstreamAnswer } from '../upstream-http.js';
import { toOpenAiBody } from './convert-to-openai-messages.js';
import { mapOpenAiFinishReason } from './map-openai-finish-reason.js';
import { chatCompletionChunkSchema, chatCompletionSchema, embeddingsSchema, errorBodySchema } from './openai-wire.js';

export interface OpenAiCompatibleSettings {
  /** e.g. `http://127.0.0.1:11434/v1` (Ollama) or `https://api.openai.com/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Total time for one call, including a whole stream. */
  timeoutMs?: number;
  /** Time to open a connection. */
  connectTimeoutMs?: number;
  /** A name for messages, e.g. the config key `local`. */
  name?: string;
  /** How the upstream holds a reply to a format; default json_object. */
  structuredOutput?: StructuredOutput;
}

const KIND = 'openai-compatible';

/**
 * Any server speaking OpenAI's chat-completions protocol: Ollama, vLLM, SGLang, LocalAI,
 * llama.cpp server, OpenAI, DeepSeek, and more.
 */
export class OpenAiCompatibleProvider implements ModelProvider {
  readonly kind = KIND;
  readonly scripted = false;
  readonly url: string;
  readonly model: string;
  readonly label: string;
  readonly structuredOutput: StructuredOutput;
  readonly #baseUrl: string;
  readonly #http: UpstreamHttp;

  constructor(settings: OpenAiCompatibleSettings) {
    this.#baseUrl = settings.baseUrl.replace(/\/+$/, '');
    this.url = `${this.#baseUrl}/chat/completions`;
    this.model = settings.model;
    this.label = `${settings.name ?? KIND} ${settings.model} at ${settings.baseUrl}`;
    this.structuredOutput = settings.structuredOutput ?? 'json_object';
    this.#http = new UpstreamHttp({
      kind: KIND,
      headers: settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {},
      timeoutMs: settings.timeoutMs,
      connectTimeoutMs: settings.connectTimeoutMs,
      describeError: (body) => {
        const parsed = errorBodySchema.safeParse(body);
        return parsed.success ? (typeof parsed.data.error === 'string' ? parsed.data.error : parsed.data.error.message) : undefined;
      },
      // A request the upstream refused for what it holds goes back to the caller as that refusal.
      rejection: (body) => {
        const parsed = errorBodySchema.safeParse(body);
        if (!parsed.success) return undefined;
        const error = parsed.data.error;
        if (typeof error === 'string') return { message: error };
        return { message: error.message, ...(error.code == null ? {} : { code: String(error.code) }), ...(error.param ? { param: error.param } : {}), ...(error.type ? { type: error.type } : {}) };
      },
    });
  }

  async embed(request: EmbedRequest, options: CallOptions = {}): Promise<EmbedResult> {
    const url = `${this.#baseUrl}/embeddings`;
    const body = parseUpstreamShape(KIND, url, embeddingsSchema, await this.#json(url, { model: request.model ?? this.model, input: request.input }, options));
    if (body.data.length !== request.input.length) {
      throw new ProviderError(KIND, url, `answered ${body.data.length} embeddings for ${request.input.length} inputs`, { code: 'provider_bad_response' });
    }
    return {
      embeddings: [...body.data].sort((a, b) => a.index - b.index).map((item) => item.embedding),
      usage: { inputTokens: body.usage?.prompt_tokens ?? 0 },
      model: body.model ?? request.model ?? this.model,
    };
  }

  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const body = parseUpstreamShape(KIND, this.url, chatCompletionSchema, await this.#json(this.url, toOpenAiBody(request, this.model, false), options));
    const choice = body.choices[0]!;
    return {
      content: choice.message.content ?? '',
      toolCalls: (choice.message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
      finishReason: mapOpenAiFinishReason(choice.finish_reason),
      usage: toUsage(body.usage),
      model: body.model ?? request.model ?? this.model,
      ...(body.system_fingerprint ? { systemFingerprint: body.system_fingerprint } : {}),
      ...((choice.message.reasoning_content ?? choice.message.reasoning) ? { reasoning: (choice.message.reasoning_content ?? choice.message.reasoning)! } : {}),
    };
  }

  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<StreamPart> {
    yield* this.#parts(request, await this.#http.post(this.url, toOpenAiBody(request, this.model, true), { stream: true, signal: options.signal }));
  }

  async *#parts(request: ChatRequest, answer: UpstreamAnswer): AsyncIterable<StreamPart> {
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let usage: Usage = { inputTokens: 0, outputTokens: 0 };
    let finishReason: string | null | undefined;
    let model = request.model ?? this.model;
    let fingerprint: string | undefined;
    let done = false;
    for await (const event of answer.events()) {
      if (event.data === '[DONE]') {
        done = true;
        break;
      }
      const chunk = parseUpstreamShape(KIND, this.url, chatCompletionChunkSchema, parseUpstreamJson(KIND, this.url, event.data));
      if (chunk.model) model = chunk.model;
      if (chunk.system_fingerprint) fingerprint = chunk.system_fingerprint;
      if (chunk.usage) usage = toUsage(chunk.usage);
      for (const choice of chunk.choices) {
        if (choice.finish_reason) finishReason = choice.finish_reason;
        const thinking = choice.delta?.reasoning_content ?? choice.delta?.reasoning;
        if (thinking) yield { type: 'reasoning-delta', text: thinking };
        const text = choice.delta?.content;
        if (text) yield { type: 'text-delta', text };
        for (const delta of choice.delta?.tool_calls ?? []) {
          const call = calls.get(delta.index) ?? { id: '', name: '', arguments: '' };
          if (delta.id) call.id = delta.id;
          if (delta.function?.name) call.name += delta.function.name;
          if (delta.function?.arguments) call.arguments += delta.function.arguments;
          calls.set(delta.index, call);
        }
      }
    }
    if (!done) throw new ProviderError(KIND, this.url, 'stream ended without its [DONE] terminator', { code: 'provider_bad_response', isRetryable: true });
    for (const [, call] of [...calls.entries()].sort(([a], [b]) => a - b)) {
      yield { type: 'tool-call', toolCall: call satisfies ToolCall };
    }
    yield { type: 'finish', finishReason: mapOpenAiFinishReason(finishReason), usage, model, ...(fingerprint ? { systemFingerprint: fingerprint } : {}) };
  }

  /** POSTs and reads the whole JSON answer. */
  async #json(url: string, body: Record<string, unknown>, options: CallOptions): Promise<unknown> {
    const answer = await this.#http.post(url, body, { signal: options.signal });
    return parseUpstreamJson(KIND, url, await answer.text());
  }
}

function toUsage(usage: { prompt_tokens: number; completion_tokens: number; completion_tokens_details?: { reasoning_tokens?: number | null | undefined } | null | undefined } | null | undefined): Usage {
  const reasoning = usage?.completion_tokens_details?.reasoning_tokens;
  return { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0, ...(typeof reasoning === 'number' ? { reasoningTokens: reasoning } : {}) };
}
