import type { Bus, BusHandler } from '../bus.js';

/** The embedded default: synchronous in-process delivery. */
export class MemoryBus implements Bus {
  readonly #exact = new Map<string, Set<BusHandler>>();
  readonly #prefixed = new Map<string, Set<BusHandler>>();
  readonly #onError: (error: unknown, subject: string) => void;

  constructor(options: { onError?: (error: unknown, subject: string) => void } = {}) {
    this.#onError = options.onError ?? ((error, subject) => process.emitWarning(`bus subscriber of ${subject} threw: ${String(error)}`));
  }

  publish(subject: string, message: unknown): void {
    const targets = [...(this.#exact.get(subject) ?? [])];
    for (const [prefix, handlers] of this.#prefixed) if (subject.startsWith(prefix)) targets.push(...handlers);
    for (const handler of targets) {
      try {
        handler(message, subject);
      } catch (error) {
        this.#onError(error, subject);
      }
    }
  }

  subscribe(subject: string, handler: BusHandler): () => void {
    const wildcard = subject.endsWith('.>');
    const map = wildcard ? this.#prefixed : this.#exact;
    const key = wildcard ? subject.slice(0, -1) : subject;
    const wrapped: BusHandler = (message, s) => handler(message, s);
    const set = map.get(key) ?? new Set();
    set.add(wrapped);
    map.set(key, set);
    return () => {
      set.delete(wrapped);
      if (set.size === 0 && map.get(key) === set) map.delete(key);
    };
  }

  async close(): Promise<void> {
    this.#exact.clear();
    this.#prefixed.clear();
  }
}
