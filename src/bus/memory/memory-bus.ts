import type { Bus, BusHandler, WorkConsumer, WorkItem } from '../bus.js';

interface Waiting {
  runId: string;
  deliveries: number;
}

interface Consumer {
  handler: (item: WorkItem) => Promise<void>;
  concurrency: number;
  active: number;
  stopped: boolean;
  settled: Set<Promise<void>>;
}

/** The embedded default: synchronous in-process delivery, and an in-process run queue. */
export class MemoryBus implements Bus {
  readonly kind = 'memory';
  readonly healthy = true;
  readonly #exact = new Map<string, Set<BusHandler>>();
  readonly #prefixed = new Map<string, Set<BusHandler>>();
  readonly #onError: (error: unknown, subject: string) => void;
  readonly #queue: Waiting[] = [];
  readonly #keys = new Set<string>();
  readonly #consumers: Consumer[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();

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

  async enqueue(runId: string, options: { key?: string } = {}): Promise<void> {
    if (options.key !== undefined) {
      if (this.#keys.has(options.key)) return;
      this.#keys.add(options.key);
    }
    this.#queue.push({ runId, deliveries: 0 });
    this.#dispatch();
  }

  consume(handler: (item: WorkItem) => Promise<void>, options: { concurrency: number }): WorkConsumer {
    const consumer: Consumer = { handler, concurrency: options.concurrency, active: 0, stopped: false, settled: new Set() };
    this.#consumers.push(consumer);
    queueMicrotask(() => this.#dispatch());
    return {
      stop: async () => {
        consumer.stopped = true;
        const index = this.#consumers.indexOf(consumer);
        if (index >= 0) this.#consumers.splice(index, 1);
        await Promise.allSettled([...consumer.settled]);
      },
    };
  }

  async queueDepth(): Promise<number> {
    return this.#queue.length;
  }

  async close(): Promise<void> {
    this.#exact.clear();
    this.#prefixed.clear();
    for (const consumer of this.#consumers.splice(0)) consumer.stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Hands waiting runs to consumers with room, in turn. */
  #dispatch(): void {
    for (;;) {
      const consumer = this.#consumers.filter((c) => !c.stopped && c.active < c.concurrency).sort((a, b) => a.active - b.active)[0];
      const waiting = consumer ? this.#queue.shift() : undefined;
      if (!consumer || !waiting) return;
      this.#deliver(consumer, waiting);
    }
  }

  #deliver(consumer: Consumer, waiting: Waiting): void {
    consumer.active += 1;
    waiting.deliveries += 1;
    let settled = false;
    const settle = (again: number | undefined) => {
      if (settled) return;
      settled = true;
      consumer.active -= 1;
      if (again !== undefined) {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#queue.push(waiting);
          this.#dispatch();
        }, again);
        this.#timers.add(timer);
      }
      queueMicrotask(() => this.#dispatch());
    };
    const item: WorkItem = {
      runId: waiting.runId,
      deliveries: waiting.deliveries,
      ack: () => settle(undefined),
      nak: (delayMs = 0) => settle(delayMs),
      working: () => undefined,
      term: () => settle(undefined),
    };
    const handled = consumer
      .handler(item)
      .catch(() => item.nak())
      // A handler that returns without settling its item has dropped it: deliver it again.
      .finally(() => {
        if (!settled) item.nak();
        consumer.settled.delete(handled);
      });
    consumer.settled.add(handled);
  }
}
