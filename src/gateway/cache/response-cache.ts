import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../../core/canonical-json.js';
import type { ChatRequest, ChatResult } from '../model-provider.js';

export interface ResponseCacheOptions {
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
}

/**
 * Exact-match cache of complete replies, keyed on the normalised request (the model
 * reference and everything that shapes the reply; key order and caller metadata do not
 * count). Bounded by entries and bytes, least recently used out first, each entry for `ttlMs`.
 */
export class ResponseCache {
  readonly #entries: LRUCache<string, ChatResult>;

  constructor(options: ResponseCacheOptions) {
    this.#entries = new LRUCache<string, ChatResult>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (result) => Math.max(1, Buffer.byteLength(JSON.stringify(result))),
      ttl: options.ttlMs,
    });
  }

  key(model: string, request: ChatRequest): string {
    const { metadata: _metadata, ...shape } = request;
    return createHash('sha256').update(canonicalJson({ model, ...shape })).digest('hex');
  }

  get(key: string): ChatResult | undefined {
    return this.#entries.get(key);
  }

  set(key: string, result: ChatResult): void {
    // A reply cut short by its token limit is not worth repeating.
    if (result.finishReason === 'length') return;
    this.#entries.set(key, result);
  }

  get size(): number {
    return this.#entries.size;
  }
}
