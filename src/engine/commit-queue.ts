import { randomUUID } from 'node:crypto';
import { checkEventDraft, type EventDraft, type RunEvent } from '../core/events.js';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { isTransientStoreError } from '../store/transient-error.js';

/** While the database is out of reach: again after 0.1 s, doubling to 5 s, for as long as it takes. */
const STORE_RETRY = retry(handleWhen(isTransientStoreError), { maxAttempts: Number.MAX_SAFE_INTEGER, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 5_000 }) });
import type { RunRecord, RunStatus } from '../core/run.js';
import type { Bus } from '../bus/bus.js';
import { publishEvents } from './publish-commit.js';
import type { Store } from '../store/store.js';
import type { Commit } from '../store/run-store.js';

export interface QueuedCommit {
  events?: readonly EventDraft[];
  checkpoint?: { step: string; result: unknown };
  status?: RunStatus;
  reason?: string | null;
  artifacts?: ReadonlyArray<{ path: string; content: Uint8Array }>;
  releaseLease?: string;
  /** The run's last commit: its checkpoints go (see Commit.dropCheckpoints). */
  dropCheckpoints?: boolean;
}

interface Pending {
  item: QueuedCommit;
  resolve(result: { events: RunEvent[]; run: RunRecord }): void;
  reject(error: unknown): void;
}

/**
 * One run's writes, in order, with group commit: everything queued in the same tick
 * (a model reply, the step's completion and its checkpoint) is stored in one commit.
 * A caller that needs durability awaits its promise; one that only records may not —
 * if a commit fails, every later one fails with the same error, so nothing is silently
 * lost and the step that awaits next sees it.
 */
export class CommitQueue {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #runId: string;
  #pending: Pending[] = [];
  #scheduled = false;
  #running: Promise<void> | undefined;
  #failure: unknown;
  /** The first event `record` refused since the last `throwIfRefused`. */
  #refused: unknown;
  readonly #leaseOwner: string | undefined;
  readonly #signal: AbortSignal | undefined;
  /** The last event this queue stored. */
  #head: { seq: number; hash: string } | undefined;

  /**
   * With `leaseOwner`, every commit is fenced: stored only while that owner holds the run's
   * lease. A commit that fails because the store is out of reach is retried (with backoff,
   * until `signal` aborts): its events carry ids, so a retry is stored once.
   */
  constructor(store: Store, bus: Bus, runId: string, options: { leaseOwner?: string; signal?: AbortSignal } = {}) {
    this.#store = store;
    this.#bus = bus;
    this.#runId = runId;
    this.#leaseOwner = options.leaseOwner;
    this.#signal = options.signal;
  }

  /** Queues a commit; resolves once it is stored and announced on the bus. */
  push(item: QueuedCommit): Promise<{ events: RunEvent[]; run: RunRecord }> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const refused = invalidEvent(item.events);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** The run's last stored event (what this queue stored last, else the store's): the head of its hash chain. */
  async head(): Promise<{ seq: number; hash: string } | undefined> {
    if (this.#head) return this.#head;
    const run = await this.#store.getRun(this.#runId);
    if (!run || run.last_seq < 1) return undefined;
    const [last] = await this.#store.readEvents(this.#runId, { afterSeq: run.last_seq - 1, limit: 1 });
    return last ? { seq: last.seq, hash: last.hash } : undefined;
  }

  /** Queues a record whose durability nobody waits for; a failure surfaces on the next awaited push. */
  record(events: readonly EventDraft[]): void {
    // An invalid event is umca's bug: refused here, it fails the step that recorded it (see
    // throwIfRefused), once, and never reaches the store, where it would fail every commit after it.
    const refused = invalidEvent(events);
    if (refused !== undefined) {
      this.#refused ??= refused;
      return;
    }
    this.push({ events }).catch(() => undefined);
  }

  /** Throws the first event `record` refused since the last call, if one was: the step that recorded it fails with it. */
  throwIfRefused(): void {
    const refused = this.#refused;
    this.#refused = undefined;
    if (refused !== undefined) throw refused;
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // After the current tick, so what the same turn of work queues goes out together.
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = this.#drain().finally(() => {
        this.#running = undefined;
        if (this.#pending.length > 0) this.#schedule();
      });
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      const commit = merge(batch.map((p) => p.item));
      if (this.#leaseOwner !== undefined) commit.leaseOwner = this.#leaseOwner;
      try {
        const { events, run } = await this.#commit(commit);
        publishEvents(this.#bus, this.#runId, events);
        const last = events.at(-1);
        if (last) this.#head = { seq: last.seq, hash: last.hash };
        let offset = 0;
        for (const pending of batch) {
          const count = pending.item.events?.length ?? 0;
          pending.resolve({ events: events.slice(offset, offset + count), run });
          offset += count;
        }
      } catch (error) {
        this.#failure = error;
        for (const pending of [...batch, ...this.#pending.splice(0)]) pending.reject(error);
      }
    }
  }
  /** One commit, retried while the store is out of reach, until the run is stopped. */
  #commit(commit: Commit): Promise<{ events: RunEvent[]; run: RunRecord }> {
    return STORE_RETRY.execute(() => this.#store.commit(this.#runId, commit), this.#signal);
  }
}

/** The error for the first event that fails its schema or size bound, if one does. */
function invalidEvent(events: readonly EventDraft[] | undefined): unknown {
  try {
    for (const event of events ?? []) checkEventDraft(event);
    return undefined;
  } catch (error) {
    return error;
  }
}

type MutableCommit = { -readonly [K in keyof Commit]: Commit[K] };

function merge(items: readonly QueuedCommit[]): MutableCommit {
  const commit: MutableCommit = {};
  const events: EventDraft[] = [];
  const checkpoints: Array<{ step: string; result: unknown }> = [];
  const artifacts: Array<{ path: string; content: Uint8Array }> = [];
  for (const item of items) {
    // An id per event, fixed before the first try: a retried commit is then stored once.
    if (item.events) events.push(...item.events.map((event) => (event.id ? event : { ...event, id: randomUUID() })));
    if (item.artifacts) artifacts.push(...item.artifacts);
    if (item.checkpoint) checkpoints.push(item.checkpoint);
    if (item.status !== undefined) commit.status = item.status;
    if (item.reason !== undefined) commit.reason = item.reason;
    if (item.releaseLease !== undefined) commit.releaseLease = item.releaseLease;
    if (item.dropCheckpoints) commit.dropCheckpoints = true;
  }
  if (events.length) commit.events = events;
  if (checkpoints.length) commit.checkpoints = checkpoints;
  if (artifacts.length) commit.artifacts = artifacts;
  return commit;
}
