import { randomUUID } from 'node:crypto';
import { on, EventEmitter } from 'node:events';
import { basename } from 'node:path';
import type { Llama, LlamaChat, LlamaContext, LlamaContextSequence, LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import { ConfigError, InvalidRequestError, ProviderError, UmcaError } from '../../../core/errors.js';
import type { CallOptions, ChatRequest, ChatResult, EmbedRequest, EmbedResult, FinishReason, ModelProvider, StreamPart, ToolCall } from '../../model-provider.js';
import { toLlamaFunctions, toLlamaHistory } from './convert-to-llama-history.js';
import { resolveModelFile, type DownloadProgress } from './model-file.js';

export interface LlamaCppSettings {
  /** The provider's name in the config. */
  name: string;
  /** A GGUF file's path, or a URI fetched on first use (model-file.ts). */
  model: string;
  modelsDir: string;
  sha256?: string;
  /** Context window per sequence; default the model's own, capped at 4096. */
  contextTokens?: number;
  /** Requests answered at once (one context sequence each); more wait their turn. */
  parallel?: number;
  /** `auto` uses a GPU when node-llama-cpp finds one; `false` keeps to the CPU. */
  gpu?: 'auto' | false;
  /** Used when the caller sets no max tokens. */
  maxTokens?: number;
  onDownload?: (progress: DownloadProgress) => void;
}

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  /** Idle sequences, each with the chat that owns it (so its evaluated prefix is reused). */
  idle: Array<{ sequence: LlamaContextSequence; chat: LlamaChat }>;
  waiting: Array<() => void>;
  embedding?: Promise<LlamaEmbeddingContext>;
}

const KIND = 'llama-cpp';

/**
 * A GGUF model run in-process by llama.cpp (node-llama-cpp): no server, no network once the
 * file is local. Loaded on first use; `parallel` requests run at once on their own context
 * sequences and the rest queue. Tools become node-llama-cpp functions (the call's arguments
 * are grammar-constrained to their schema), JSON replies a JSON-schema grammar.
 */
export class LlamaCppProvider implements ModelProvider {
  readonly kind = KIND;
  readonly scripted = false;
  readonly url = undefined;
  readonly model: string;
  readonly label: string;
  readonly #settings: LlamaCppSettings;
  #loading: Promise<Loaded> | undefined;

  constructor(settings: LlamaCppSettings) {
    this.#settings = settings;
    this.model = basename(settings.model).replace(/\.gguf$/i, '');
    this.label = `${settings.name} (${KIND}, in-process) ${settings.model}`;
  }

  ignoredFields(request: ChatRequest): string[] {
    return ignoredLlamaFields(request);
  }

  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    let result: ChatResult | undefined;
    for await (const part of this.stream(request, options)) {
      result ??= { content: '', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 }, model: this.model };
      if (part.type === 'text-delta') result.content += part.text;
      else if (part.type === 'reasoning-delta') result.reasoning = (result.reasoning ?? '') + part.text;
      else if (part.type === 'tool-call') result.toolCalls.push(part.toolCall);
      else Object.assign(result, { finishReason: part.finishReason, usage: part.usage, model: part.model });
    }
    return result!;
  }

  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<StreamPart> {
    options.signal?.throwIfAborted();
    const loaded = await this.#load();
    const slot = await this.#acquire(loaded, options.signal);
    const chunks = new EventEmitter();
    // Stops the generation when the caller aborts or stops reading, before the sequence is reused.
    const stop = new AbortController();
    const onAbort = () => stop.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let generating: Promise<unknown> | undefined;
    try {
      const history = toLlamaHistory(request);
      const functions = request.tools?.length && request.toolChoice !== 'none' ? toLlamaFunctions(request.tools) : undefined;
      const grammar = await this.#grammar(loaded.llama, request);
      const before = slot.sequence.tokenMeter.getState();
      const generation = slot.chat
        .generateResponse(history, {
          maxTokens: request.maxTokens ?? this.#settings.maxTokens ?? 1024,
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          ...llamaSampling(request),
          ...(functions ? { functions } : grammar ? { grammar } : {}),
          signal: stop.signal,
          onTextChunk: (text) => chunks.emit('text', text),
        })
        .finally(() => chunks.emit('end'));
      generating = generation.catch(() => undefined);
      for await (const [text] of on(chunks, 'text', { close: ['end'] })) {
        if (text) yield { type: 'text-delta', text: text as string };
      }
      const response = await generation.catch((error: unknown) => {
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        throw new ProviderError(KIND, this.#settings.model, `generation failed: ${(error as Error).message}`, { code: 'provider_error' });
      });
      for (const call of response.functionCalls ?? []) {
        yield { type: 'tool-call', toolCall: { id: `call_${randomUUID().slice(0, 8)}`, name: call.functionName, arguments: JSON.stringify(call.params ?? {}) } satisfies ToolCall };
      }
      const used = slot.sequence.tokenMeter.getState();
      yield {
        type: 'finish',
        finishReason: finishReason(response.metadata.stopReason),
        usage: { inputTokens: used.usedInputTokens - before.usedInputTokens, outputTokens: used.usedOutputTokens - before.usedOutputTokens },
        model: this.model,
      };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      stop.abort(new Error('the caller stopped reading'));
      await generating;
      this.#release(loaded, slot);
    }
  }

  async embed(request: EmbedRequest, options: CallOptions = {}): Promise<EmbedResult> {
    options.signal?.throwIfAborted();
    const loaded = await this.#load();
    loaded.embedding ??= loaded.model.createEmbeddingContext({ contextSize: Math.min(loaded.model.trainContextSize, 2048) });
    const context = await loaded.embedding;
    const embeddings: number[][] = [];
    let inputTokens = 0;
    for (const text of request.input) {
      options.signal?.throwIfAborted();
      inputTokens += loaded.model.tokenize(text).length;
      embeddings.push([...(await context.getEmbeddingFor(text)).vector]);
    }
    return { embeddings, usage: { inputTokens }, model: this.model };
  }

  /** Frees the model and its contexts (after a load in progress finishes). */
  async close(): Promise<void> {
    const loading = this.#loading;
    this.#loading = Promise.reject(new ProviderError(KIND, this.#settings.model, 'the provider is closed', { code: 'provider_unavailable', status: 503 }));
    this.#loading.catch(() => undefined);
    const loaded = await loading?.catch(() => undefined);
    if (!loaded) return;
    await (await loaded.embedding?.catch(() => undefined))?.dispose();
    await loaded.context.dispose();
    await loaded.model.dispose();
  }

  /** Loads the model once; a failed load is forgotten, so the next call tries again. */
  #load(): Promise<Loaded> {
    this.#loading ??= this.#open().catch((error: unknown) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  async #open(): Promise<Loaded> {
    const settings = this.#settings;
    const path = await resolveModelFile({
      provider: settings.name,
      model: settings.model,
      modelsDir: settings.modelsDir,
      ...(settings.sha256 ? { sha256: settings.sha256 } : {}),
      ...(settings.onDownload ? { onProgress: settings.onDownload } : {}),
    });
    let lib: typeof import('node-llama-cpp');
    try {
      lib = await import('node-llama-cpp');
    } catch {
      throw new ConfigError(`providers.${settings.name}: type llama-cpp needs the optional package node-llama-cpp (npm install node-llama-cpp)`);
    }
    try {
      const llama = await lib.getLlama({ gpu: settings.gpu ?? 'auto', build: 'never', logLevel: lib.LlamaLogLevel.error });
      const model = await llama.loadModel({ modelPath: path });
      const parallel = settings.parallel ?? 1;
      const contextSize = settings.contextTokens ?? Math.min(model.trainContextSize, 4096);
      const context = await model.createContext({ sequences: parallel, contextSize });
      const idle = Array.from({ length: parallel }, () => {
        const sequence = context.getSequence();
        return { sequence, chat: new lib.LlamaChat({ contextSequence: sequence }) };
      });
      return { llama, model, context, idle, waiting: [] };
    } catch (error) {
      if (error instanceof UmcaError) throw error;
      throw new ProviderError(KIND, path, `cannot load the model: ${(error as Error).message}`, { code: 'provider_unavailable', status: 503 });
    }
  }

  async #acquire(loaded: Loaded, signal: AbortSignal | undefined): Promise<Loaded['idle'][number]> {
    while (loaded.idle.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          loaded.waiting.splice(loaded.waiting.indexOf(wake), 1);
          reject(signal!.reason);
        };
        loaded.waiting.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    return loaded.idle.pop()!;
  }

  #release(loaded: Loaded, slot: Loaded['idle'][number]): void {
    loaded.idle.push(slot);
    loaded.waiting.shift()?.();
  }

  async #grammar(llama: Llama, request: ChatRequest) {
    const format = request.responseFormat;
    try {
      if (format === 'json') return await llama.getGrammarFor('json');
      if (typeof format === 'object') return await llama.createGrammarForJsonSchema(format.schema as never);
    } catch (error) {
      throw new InvalidRequestError(`response_format: ${(error as Error).message}`, 'invalid_request', 'response_format');
    }
    return undefined;
  }
}

function finishReason(stop: string): FinishReason {
  if (stop === 'maxTokens') return 'length';
  if (stop === 'functionCalls') return 'tool-calls';
  if (stop === 'abort') return 'other';
  return 'stop';
}

/** OpenAI fields llama.cpp's sampler has an equivalent for. */
const LLAMA_MAPPED = new Set(['top_p', 'seed', 'stop', 'presence_penalty', 'frequency_penalty']);

/** top_p → topP, seed, stop → customStopTriggers, the penalties → repeatPenalty. */
function llamaSampling(request: ChatRequest) {
  const passed = request.passthrough ?? {};
  const stop = typeof passed.stop === 'string' ? [passed.stop] : Array.isArray(passed.stop) ? passed.stop.filter((s): s is string => typeof s === 'string') : [];
  const presence = typeof passed.presence_penalty === 'number' ? passed.presence_penalty : undefined;
  const frequency = typeof passed.frequency_penalty === 'number' ? passed.frequency_penalty : undefined;
  return {
    ...(typeof passed.top_p === 'number' ? { topP: passed.top_p } : {}),
    ...(typeof passed.seed === 'number' ? { seed: passed.seed } : {}),
    ...(stop.length ? { customStopTriggers: stop } : {}),
    ...(presence !== undefined || frequency !== undefined ? { repeatPenalty: { ...(presence !== undefined ? { presencePenalty: presence } : {}), ...(frequency !== undefined ? { frequencyPenalty: frequency } : {}) } } : {}),
  };
}

/** The pass-through fields llama.cpp has no equivalent for. */
export function ignoredLlamaFields(request: ChatRequest): string[] {
  return Object.keys(request.passthrough ?? {}).filter((field) => !LLAMA_MAPPED.has(field)).sort();
}
