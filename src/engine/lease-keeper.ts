import type { Store } from '../store/store.js';

export interface LeaseKeeperOptions {
  store: Store;
  runId: string;
  owner: string;
  leaseMs: number;
  /** The lease is someone else's now: stop working on the run, write nothing more. */
  onLost(): void;
  /** The lease was renewed (a worker extends its queue delivery with it). */
  onRenewed?(): void;
}

/**
 * Heartbeats a run's lease: renewed every third of its length, so one missed beat does not
 * lose it. A renewal that finds the lease taken calls `onLost`; one the store cannot answer is
 * not counted as renewed (nor extended elsewhere), so a worker cut off from the database lets
 * its lease lapse and another takes the run over. Returns a stop function.
 */
export function keepLease(options: LeaseKeeperOptions): () => void {
  let stopped = false;
  const beat = async () => {
    try {
      const renewed = await options.store.renewLease(options.runId, options.owner, options.leaseMs);
      if (stopped) return;
      if (renewed) options.onRenewed?.();
      else {
        stopped = true;
        clearInterval(timer);
        options.onLost();
      }
    } catch {
      // The store is out of reach: the next beat tries again; commits wait for it meanwhile.
    }
  };
  const timer = setInterval(() => void beat(), Math.max(100, Math.floor(options.leaseMs / 3)));
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
