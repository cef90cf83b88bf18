import { DEAD_LETTER_SUBJECT, type Bus, type WorkConsumer, type WorkItem } from '../bus/bus.js';
import { commitAndPublish } from './publish-commit.js';
import { draft } from '../core/events.js';
import { FINAL_STATUSES } from '../core/run.js';
import type { Store } from '../store/store.js';
import type { Engine } from './engine.js';
import { leaseIsLive } from './worker-identity.js';

export interface WorkerOptions {
  engine: Engine;
  store: Store;
  bus: Bus;
  /** Runs executed at once. */
  concurrency: number;
  /** Deliveries after which a run is given up (dead-lettered and failed). */
  maxDeliver: number;
  log?: (message: string, error?: unknown) => void;
}

/** A wait before a delivery comes back when this worker cannot take it now. */
const RETRY_MS = 1_000;

/**
 * A worker: takes queued runs off the bus and executes them, heartbeating each run's lease
 * and its queue delivery together. A run another live worker holds is handed back until that
 * lease lapses; a run delivered more than `maxDeliver` times (its workers died each time) is
 * dead-lettered and failed with the reason; a run that ended is acknowledged and never comes
 * back. When the store or the bus is away, work pauses: deliveries come back later.
 */
export class Worker {
  readonly #options: WorkerOptions;
  #consumer: WorkConsumer | undefined;
  /** Runs this worker took over from a holder that stopped heartbeating (or died), for /metrics. */
  leasesTakenOver = 0;

  constructor(options: WorkerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#consumer ??= this.#options.bus.consume((item) => this.#handle(item), { concurrency: this.#options.concurrency });
  }

  /** Stops taking runs; the ones in flight stop without ending (another worker resumes them). */
  async stop(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = undefined;
    await Promise.all([consumer?.stop(), this.#options.engine.close()]);
  }

  async #handle(item: WorkItem): Promise<void> {
    const { store, engine } = this.#options;
    // While the store is out of reach the delivery is kept (not handed back), so waiting out an
    // outage never counts as a failed delivery.
    let run;
    for (let logged = false; ; ) {
      try {
        run = await store.getRun(item.runId);
        break;
      } catch (error) {
        if (!this.#consumer) return item.nak();
        if (!logged) this.#options.log?.(`run ${item.runId}: the store is out of reach; waiting for it`, error);
        logged = true;
        item.working();
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
    if (!run || FINAL_STATUSES.has(run.status)) return item.ack();
    if (item.deliveries > this.#options.maxDeliver) return this.#giveUp(item);
    const heldElsewhere = run.lease_owner !== null && run.lease_owner !== engine.workerId;
    if (heldElsewhere && leaseIsLive(run)) {
      // Held and heartbeating elsewhere (this is a second delivery): back once the lease would lapse.
      const lapses = run.lease_expires_at === null ? RETRY_MS * 5 : Date.parse(run.lease_expires_at) - Date.now() + 100;
      return item.nak(Math.min(lapses, 60_000));
    }
    if (heldElsewhere) this.leasesTakenOver += 1;
    try {
      const ended = await engine.execute(item.runId, { onHeartbeat: () => item.working() });
      // `running` after execute: this process is stopping, or the lease went elsewhere.
      if (FINAL_STATUSES.has(ended.status) || ended.lease_owner !== null && ended.lease_owner !== engine.workerId) item.ack();
      else item.nak();
    } catch (error) {
      if ((error as { code?: string }).code === 'run_busy') return item.nak(RETRY_MS);
      this.#options.log?.(`run ${item.runId} stopped; it will be delivered again`, error);
      item.nak(RETRY_MS);
    }
  }

  /** Dead-letters a run its workers never finished, and fails it with why. */
  async #giveUp(item: WorkItem): Promise<void> {
    const reason = `given up after ${item.deliveries - 1} deliveries: each worker that took it stopped before it ended (nats.max_deliver is ${this.#options.maxDeliver})`;
    try {
      await commitAndPublish(this.#options, item.runId, {
        events: [draft('run.failed', 'engine', { reason, error: { code: 'max_deliveries', message: reason } })],
        status: 'failed',
        reason,
        dropCheckpoints: true,
      });
      this.#options.bus.publish(DEAD_LETTER_SUBJECT, { runId: item.runId, deliveries: item.deliveries - 1, reason });
      item.term();
    } catch (error) {
      this.#options.log?.(`run ${item.runId}: cannot record that it was given up; trying again`, error);
      item.nak(RETRY_MS);
    }
  }
}
