/**
 * Events and work. Publish/subscribe carries news of what the store recorded (the store is
 * the record: a subscriber that misses a message reads the store); the work queue hands runs
 * to workers, at least once, until one acknowledges it.
 */
export type BusHandler = (message: unknown, subject: string) => void;

/** One delivery of a queued run to a worker. */
export interface WorkItem {
  readonly runId: string;
  /** How many times this run has been delivered, this one included (1 the first time). */
  readonly deliveries: number;
  /** Done with it: the run MUST NOT be delivered again. */
  ack(): void;
  /** Not done here: deliver it again, to any worker, after `delayMs` (default at once). */
  nak(delayMs?: number): void;
  /** Still at work on it: keeps it from being delivered elsewhere (resets NATS's ack wait). */
  working(): void;
  /** Give it up for good (after `deliveries` too many): never delivered again. */
  term(): void;
}

export interface WorkConsumer {
  /** Takes no more items; resolves once the items being handled have settled. Safe to call twice. */
  stop(): Promise<void>;
}

export interface Bus {
  /** `memory` (one process) or `nats`. */
  readonly kind: string;
  /** Whether messages get through now (NATS: connected). */
  readonly healthy: boolean;
  /** Delivers to every current subscriber of `subject`. MUST NOT throw for a failing subscriber. */
  publish(subject: string, message: unknown): void;
  /**
   * `subject` is exact, or ends in `.>` to match every subject under that prefix (as in NATS).
   * Returns an unsubscribe function that is safe to call twice. A handler that throws is
   * reported and does not stop the others.
   */
  subscribe(subject: string, handler: BusHandler): () => void;
  /**
   * Queues a run for a worker. With `key`, queuing the same key again while it is remembered
   * (NATS: its duplicate window) queues it once. Rejects when the queue cannot be reached.
   */
  enqueue(runId: string, options?: { key?: string }): Promise<void>;
  /**
   * Hands queued runs to `handler`, at most `concurrency` at a time. An item the handler
   * neither acks nor terms is delivered again (NATS: after its ack wait; a handler that
   * throws naks it). Each item goes to one consumer at a time.
   */
  consume(handler: (item: WorkItem) => Promise<void>, options: { concurrency: number }): WorkConsumer;
  /** Runs waiting for a worker, not yet delivered. */
  queueDepth(): Promise<number>;
  close(): Promise<void>;
}

export const eventSubject = (runId: string): string => `umca.events.${runId}`;
/** Asks whichever worker holds a run to cancel it. */
export const cancelSubject = (runId: string): string => `umca.control.cancel.${runId}`;
/** Runs given up after too many deliveries, with why. */
export const DEAD_LETTER_SUBJECT = 'umca.dead.runs';
