import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { z } from 'zod';
import { ProviderError } from '../../../core/errors.js';
import { deadline } from '../../deadline.js';
import type { CallOptions, ChatRequest, ChatResult, EmbedRequest, EmbedResult, ModelProvider, StreamPart, ToolCall, Usage } from '../../model-provider.js';
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
  /** A name for messages, e.g. the config key `local`. */
  name?: string;
  fetch?: typeof fetch;
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
  readonly #baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(settings: OpenAiCompatibleSettings) {
    this.#baseUrl = settings.baseUrl.replace(/\/+$/, '');
    this.url = `${this.#baseUrl}/chat/completions`;
    this.model = settings.model;
    this.label = `${settings.name ?? KIND} ${settings.model} at ${settings.baseUrl}`;
    this.#apiKey = settings.apiKey;
    this.#timeoutMs = settings.timeoutMs ?? 120_000;
    this.#fetch = settings.fetch ?? globalThis.fetch;
  }

  async embed(request: EmbedRequest, options: CallOptions = {}): Promise<EmbedResult> {
    const url = `${this.#baseUrl}/embeddings`;
    const { response, done } = await this.#post({ model: request.model ?? this.model, input: request.input }, options, url);
    let text: string;
    try {
      text = await response.text();
    } finally {
      done();
    }
    const body = parseWith(embeddingsSchema, parseJsonText(text, url), url);
    if (body.data.length !== request.input.length) {
      throw this.#error(`answered ${body.data.length} embeddings for ${request.input.length} inputs`, 'provider_bad_response', undefined, false, url);
    }
    return {
      embeddings: [...body.data].sort((a, b) => a.index - b.index).map((item) => item.embedding),
      usage: { inputTokens: body.usage?.prompt_tokens ?? 0 },
      model: body.model ?? request.model ?? this.model,
    };
  }

  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const { response, done } = await this.#post(toOpenAiBody(request, this.model, false), options);
    let text: string;
    try {
      text = await response.text();
    } finally {
      done();
    }
    const body = parseWith(chatCompletionSchema, parseJsonText(text, this.url), this.url);
    const choice = body.choices[0]!;
    return {
      content: choice.message.content ?? '',
      toolCalls: (choice.message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
      finishReason: mapOpenAiFinishReason(choice.finish_reason),
      usage: toUsage(body.usage),
      model: body.model ?? request.model ?? this.model,
    };
  }

  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<StreamPart> {
    const { response, done: release } = await this.#post(toOpenAiBody(request, this.model, true), options);
    try {
      yield* this.#parts(request, response);
    } finally {
      release();
    }
  }

  async *#parts(request: ChatRequest, response: Response): AsyncIterable<StreamPart> {
    if (!response.body) throw this.#error('empty response body', 'provider_bad_response');
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let usage: Usage = { inputTokens: 0, outputTokens: 0 };
    let finishReason: string | null | undefined;
    let model = request.model ?? this.model;
    let done = false;
    const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    try {
      for await (const event of events) {
        if (event.data === '[DONE]') {
          done = true;
          break;
        }
        const chunk = parseWith(chatCompletionChunkSchema, parseJsonText(event.data, this.url), this.url);
        if (chunk.model) model = chunk.model;
        if (chunk.usage) usage = toUsage(chunk.usage);
        for (const choice of chunk.choices) {
          if (choice.finish_reason) finishReason = choice.finish_reason;
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
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw this.#error(`stream broke: ${(error as Error).message}`, 'provider_unreachable', error, true);
    }
    if (!done) throw this.#error('stream ended without its [DONE] terminator', 'provider_bad_response', undefined, true);
    for (const [, call] of [...calls.entries()].sort(([a], [b]) => a - b)) {
      yield { type: 'tool-call', toolCall: call satisfies ToolCall };
    }
    yield { type: 'finish', finishReason: mapOpenAiFinishReason(finishReason), usage, model };
  }

  /** Sends a request; the answer's body must be read before `done()`, which ends the call's timeout. */
  async #post(body: Record<string, unknown>, options: CallOptions, url: string = this.url): Promise<{ response: Response; done: () => void }> {
    const call = deadline(this.#timeoutMs, options.signal, () =>
      new ProviderError(KIND, url, `no answer within ${this.#timeoutMs} ms`, { code: 'provider_unreachable', isRetryable: true }),
    );
    const done = () => call.done();
    const caller = options.signal;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: body.stream ? 'text/event-stream' : 'application/json' };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    let response: Response;
    try {
      response = await this.#fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: call.signal });
    } catch (error) {
      done();
      if (caller?.aborted) throw caller.reason ?? error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = call.expired ? `no answer within ${this.#timeoutMs} ms` : cause?.code ?? cause?.message ?? (error as Error).message;
      throw this.#error(`cannot reach the model server (${why})`, 'provider_unreachable', error, true, url);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      const parsed = errorBodySchema.safeParse(safeJson(text));
      const detail = parsed.success ? (typeof parsed.data.error === 'string' ? parsed.data.error : parsed.data.error.message) : text.slice(0, 200);
      const retryable = response.status === 429 || response.status >= 500;
      const retryAfterMs = parseRetryAfter(response.headers);
      done();
      throw new ProviderError(KIND, url, `HTTP ${response.status}${detail ? `: ${detail}` : ''}`, {
        code: response.status === 429 ? 'provider_rate_limited' : 'provider_http_error',
        isRetryable: retryable,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    return { response, done };
  }

  #error(message: string, code: string, cause?: unknown, isRetryable = false, url: string = this.url): ProviderError {
    return new ProviderError(KIND, url, message, { code, cause, isRetryable });
  }
}

/** `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date. */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseJsonText(text: string, url: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError(KIND, url, `answered with invalid JSON: ${JSON.stringify(text.slice(0, 80))}`, { code: 'provider_bad_response' });
  }
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, url: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError(KIND, url, `answered an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message})`, {
      code: 'provider_bad_response',
    });
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toUsage(usage: { prompt_tokens: number; completion_tokens: number } | null | undefined): Usage {
  return { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 };
}
