import { InvalidRequestError, ProviderError } from '../../../core/errors.js';
import type { CallOptions, ChatRequest, ChatResult, EmbedResult, ModelProvider, StreamPart, ToolCall, Usage } from '../../model-provider.js';
import { parseUpstreamJson, parseUpstreamShape } from '../parse-upstream.js';
import { UpstreamHttp, type UpstreamAnswer } from '../upstream-http.js';
import { type AnthropicUsage, errorBodySchema, messageSchema, streamEventSchema } from './anthropic-wire.js';
import { ignoredAnthropicFields, toAnthropicBody } from './convert-to-anthropic-messages.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

export interface AnthropicSettings {
  /** Default `https://api.anthropic.com`; `/v1/messages` is appended. */
  baseUrl?: string;
  model: string;
  apiKey?: string;
  /** Anthropic requires max_tokens on every request; this is used when the caller sets none. */
  maxTokens?: number;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  name?: string;
}

const KIND = 'anthropic';
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Anthropic's Messages API, natively: umca's messages, tools and tool results translated to
 * content blocks, and replies (whole or streamed as Anthropic's named events) back to text,
 * tool calls, a finish reason and usage.
 */
export class AnthropicProvider implements ModelProvider {
  readonly kind = KIND;
  readonly scripted = false;
  readonly url: string;
  readonly model: string;
  readonly label: string;
  readonly #http: UpstreamHttp;
  readonly #maxTokens: number;

  constructor(settings: AnthropicSettings) {
    const baseUrl = (settings.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '');
    this.url = `${baseUrl}/v1/messages`;
    this.model = settings.model;
    this.label = `${settings.name ?? KIND} ${settings.model} at ${baseUrl}`;
    this.#maxTokens = settings.maxTokens ?? 4096;
    this.#http = new UpstreamHttp({
      kind: KIND,
      headers: { 'anthropic-version': ANTHROPIC_VERSION, ...(settings.apiKey ? { 'x-api-key': settings.apiKey } : {}) },
      timeoutMs: settings.timeoutMs,
      connectTimeoutMs: settings.connectTimeoutMs,
      describeError: (body) => {
        const parsed = errorBodySchema.safeParse(body);
        return parsed.success ? `${parsed.data.error.type}: ${parsed.data.error.message}` : undefined;
      },
    });
  }

  embed(): Promise<EmbedResult> {
    return Promise.reject(new InvalidRequestError(`${this.label} has no embeddings API; name an embedding model (e.g. an openai-compatible provider)`, 'embeddings_unsupported'));
  }

  ignoredFields(request: ChatRequest): string[] {
    return ignoredAnthropicFields(request);
  }

  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const text = await (await this.#post(request, false, options)).text();
    const message = parseUpstreamShape(KIND, this.url, messageSchema, parseUpstreamJson(KIND, this.url, text));
    const toolCalls: ToolCall[] = [];
    let content = '';
    for (const block of message.content) {
      if (block.type === 'text') content += block.text;
      else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
    }
    return { content, toolCalls, finishReason: mapAnthropicStopReason(message.stop_reason), usage: toUsage(message.usage), model: message.model };
  }

  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<StreamPart> {
    yield* this.#parts(request, await this.#post(request, true, options));
  }

  async *#parts(request: ChatRequest, answer: UpstreamAnswer): AsyncIterable<StreamPart> {
    const tools = new Map<number, { id: string; name: string; arguments: string; started: string }>();
    let input: AnthropicUsage = {};
    let outputTokens = 0;
    let stopReason: string | null | undefined;
    let model = request.model ?? this.model;
    let stopped = false;
    for await (const sse of answer.events()) {
      const event = parseUpstreamShape(KIND, this.url, streamEventSchema, parseUpstreamJson(KIND, this.url, sse.data));
      switch (event.type) {
        case 'message_start':
          model = event.message.model;
          input = event.message.usage ?? {};
          outputTokens = event.message.usage?.output_tokens ?? 0;
          break;
        case 'content_block_start':
          if (event.content_block.type === 'text' && event.content_block.text) yield { type: 'text-delta', text: event.content_block.text };
          if (event.content_block.type === 'tool_use') {
            const { id, name, input: started } = event.content_block;
            const empty = started === undefined || (typeof started === 'object' && started !== null && Object.keys(started).length === 0);
            tools.set(event.index, { id, name, arguments: '', started: empty ? '' : JSON.stringify(started) });
          }
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta' && event.delta.text) yield { type: 'text-delta', text: event.delta.text };
          else if (event.delta.type === 'input_json_delta') {
            const tool = tools.get(event.index);
            if (tool) tool.arguments += event.delta.partial_json;
          }
          break;
        case 'content_block_stop': {
          const tool = tools.get(event.index);
          if (tool) yield { type: 'tool-call', toolCall: { id: tool.id, name: tool.name, arguments: tool.arguments || tool.started || '{}' } };
          break;
        }
        case 'message_delta':
          stopReason = event.delta.stop_reason ?? stopReason;
          // Anthropic's counts in message_delta are cumulative.
          if (event.usage?.output_tokens != null) outputTokens = event.usage.output_tokens;
          if (event.usage?.input_tokens != null) input = { ...input, input_tokens: event.usage.input_tokens };
          break;
        case 'message_stop':
          stopped = true;
          break;
        case 'error':
          throw new ProviderError(KIND, this.url, `stream error: ${event.error.type}: ${event.error.message}`, {
            code: 'provider_stream_error',
            isRetryable: event.error.type === 'overloaded_error' || event.error.type === 'api_error' || event.error.type === 'rate_limit_error',
          });
        case 'ping':
          break;
      }
      if (stopped) break;
    }
    if (!stopped) throw new ProviderError(KIND, this.url, 'stream ended without its message_stop event', { code: 'provider_bad_response', isRetryable: true });
    yield { type: 'finish', finishReason: mapAnthropicStopReason(stopReason), usage: { ...toUsage(input), outputTokens }, model };
  }

  #post(request: ChatRequest, stream: boolean, options: CallOptions): Promise<UpstreamAnswer> {
    const body = toAnthropicBody(request, this.model, this.#maxTokens, stream);
    return this.#http.post(this.url, body, { stream, signal: options.signal });
  }
}

/** Input tokens include those read from and written to Anthropic's prompt cache. */
function toUsage(usage: AnthropicUsage): Usage {
  const input = (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
  return { inputTokens: input, outputTokens: usage.output_tokens ?? 0 };
}
