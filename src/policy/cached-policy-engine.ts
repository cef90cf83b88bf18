import { LRUCache } from 'lru-cache';
import type { PolicyDecision, PolicyEngine, PolicyRequest } from './policy-engine.js';

export interface DecisionCacheSettings {
  /** Distinct requests kept (least recently used go first). Default 10,000. */
  maxEntries?: number;
  /** The characters all kept requests may hold together. Default 4 Mi. */
  maxChars?: number;
  /** How long a decision is reused; undefined: until `clear()` (policies loaded once, as Cedar's are). */
  ttlMs?: number;
}

/**
 * Decisions reused per (principal, action, resource): the gateway asks policy on every
 * call, about the model the caller named, and a repeated question is a map lookup instead
 * of an evaluation. A decision is a pure function of the request and the loaded policies
 * (umca's requests carry no time or context), so for Cedar, whose policies are loaded once,
 * a decision stays right until the policies change: `clear()` then. For OPA, whose policies
 * can change on the server at any time, `ttlMs` bounds how long a stale decision can live.
 * Failures (an unreachable OPA) are never kept.
 */
export class CachedPolicyEngine implements PolicyEngine {
  readonly name: string;
  readonly #engine: PolicyEngine;
  readonly #decisions: LRUCache<string, PolicyDecision>;

  constructor(engine: PolicyEngine, settings: DecisionCacheSettings = {}) {
    this.name = engine.name;
    this.#engine = engine;
    // Bounded by count and by size: a caller controls part of each key (the model it names),
    // so many distinct long names must not grow the cache past what is set here.
    this.#decisions = new LRUCache({
      max: settings.maxEntries ?? 10_000,
      maxSize: settings.maxChars ?? 4 * 1024 * 1024,
      sizeCalculation: (_decision, key) => key.length + 64,
      ...(settings.ttlMs ? { ttl: settings.ttlMs, ttlAutopurge: false } : {}),
    });
  }

  async decide(request: PolicyRequest): Promise<PolicyDecision> {
    const key = requestKey(request);
    const known = this.#decisions.get(key);
    if (known) return known;
    const decision = await this.#engine.decide(request);
    // A request too large to be worth keeping (a name of kilobytes) is decided every time.
    if (key.length <= MAX_KEPT_KEY) this.#decisions.set(key, decision);
    return decision;
  }

  /** Forgets every decision: call when the policies change. */
  clear(): void {
    this.#decisions.clear();
  }

  get size(): number {
    return this.#decisions.size;
  }
}

const MAX_KEPT_KEY = 2_048;

/** Everything a decision can depend on, in a fixed order (NUL cannot occur in ids: the edge refuses it). */
function requestKey({ principal, action, resource }: PolicyRequest): string {
  const attrs = resource.attrs === undefined ? '' : JSON.stringify(resource.attrs, Object.keys(resource.attrs).sort());
  return `${principal.id}\0${principal.roles.join(',')}\0${principal.via}\0${action}\0${resource.type}\0${resource.id}\0${attrs}`;
}
