import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../../../core/errors.js';
import type { CallOptions, ChatRequest, ChatResult, EmbedRequest, EmbedResult, ModelProvider, StreamPart } from '../../model-provider.js';
import type { ScriptedFixture } from './scripted-fixture.js';

export interface ScriptedSettings {
  /** Overrides the fixture's `delay_ms` (benchmarks use it to stand in for a model's pace). */
  delayMs?: number;
}

/**
 * Deterministic replies read from a fixture: the reply for `metadata.role` at
 * `metadata.turn` (1-based). The same request always gets the same reply, across
 * processes and resumes. Labelled as scripted everywhere it shows.
 */
export class ScriptedProvider implements ModelProvider {
  readonly kind = 'scripted';
  readonly scripted = true;
  readonly url = undefined;
  readonly model: string;
  readonly label: string;
  readonly #load: () => Promise<ScriptedFixture>;
  #fixture: Promise<ScriptedFixture> | undefined;
  readonly #delayMs: number | undefined;

  /**
   * `load` reads the fixture on first use (asynchronously; a failed read is tried again on the
   * next call, so a fixture added later is found).
   */
  constructor(name: string, load: ScriptedFixture | (() => Promise<ScriptedFixture>), settings: ScriptedSettings = {}) {
    this.model = `scripted:${name}`;
    this.label = `scripted:${name} (replies are scripted, not from a real model)`;
    this.#load = typeof load === 'function' ? load : () => Promise.resolve(load);
    this.#delayMs = settings.delayMs;
  }

  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const fixture = await this.#loaded();
    const reply = pick(fixture, request);
    const fallback = this.#delayMs ?? fixture.delay_ms;
    const delay = typeof reply === 'string' ? fallback : reply.delay_ms ?? fallback;
    if (delay > 0) await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
    options.signal?.throwIfAborted();
    const content = typeof reply === 'string' ? reply : reply.content;
    const toolCalls =
      typeof reply === 'string'
        ? []
        : (reply.tool_calls ?? []).map((call, index) => ({ id: `call_${index + 1}`, name: call.name, arguments: JSON.stringify(call.arguments) }));
    const promptChars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
    return {
      content,
      toolCalls,
      finishReason: toolCalls.length ? 'tool-calls' : 'stop',
      // Scripted usage is an estimate (4 characters a token), never billed.
      usage: { inputTokens: Math.ceil(promptChars / 4), outputTokens: Math.ceil(content.length / 4) },
      model: this.model,
    };
  }

  #loaded(): Promise<ScriptedFixture> {
    const loading = (this.#fixture ??= this.#load());
    loading.catch(() => {
      if (this.#fixture === loading) this.#fixture = undefined;
    });
    return loading;
  }

  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<StreamPart> {
    const result = await this.chat(request, options);
    // Word by word, as a model streams.
    for (const word of result.content.match(/\s*\S+\s*/g) ?? []) yield { type: 'text-delta', text: word };
    for (const toolCall of result.toolCalls) yield { type: 'tool-call', toolCall };
    yield { type: 'finish', finishReason: result.finishReason, usage: result.usage, model: result.model };
  }

  /**
   * Deterministic stand-in vectors (16 dimensions from a hash of the text): equal texts get
   * equal vectors, different texts different ones. Not semantic; labelled scripted like the rest.
   */
  async embed(request: EmbedRequest, options: CallOptions = {}): Promise<EmbedResult> {
    await this.#loaded();
    options.signal?.throwIfAborted();
    const embeddings = request.input.map((text) => {
      const digest = createHash('sha256').update(text).digest();
      const vector = Array.from({ length: 16 }, (_, i) => digest.readInt16BE(i * 2) / 32_768);
      const norm = Math.hypot(...vector) || 1;
      return vector.map((value) => value / norm);
    });
    const chars = request.input.reduce((sum, text) => sum + text.length, 0);
    return { embeddings, usage: { inputTokens: Math.ceil(chars / 4) }, model: this.model };
  }
}

/** The reply for `metadata.role` at `metadata.turn`; the last one repeats. */
function pick(fixture: ScriptedFixture, request: ChatRequest) {
  const role = String(request.metadata?.role ?? 'default');
  const turn = Math.max(1, Number(request.metadata?.turn ?? 1));
  const replies = fixture.replies[role] ?? fixture.replies.default;
  if (!replies) {
    throw new ProviderError('scripted', undefined, `fixture "${fixture.name}" has no replies for role "${role}"`, {
      code: 'provider_bad_response',
    });
  }
  return replies[Math.min(turn, replies.length) - 1]!;
}
