import type { Store } from '../store/store.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const EVERY_MS = 60 * 60 * 1000;

/** Archives, 200 runs at a time, the events of every run that ended before `before`; returns their ids. */
export async function archiveEndedBefore(store: Store, before: string, onBatch?: (ids: string[]) => void): Promise<string[]> {
  const archived: string[] = [];
  for (let batch = await store.archiveEvents({ before, limit: 200 }); batch.length > 0; batch = await store.archiveEvents({ before, limit: 200 })) {
    archived.push(...batch);
    onBatch?.(batch);
  }
  return archived;
}

/**
 * Archives the events of runs that ended more than `days` ago, now and then every hour, in
 * batches (each run in its own transaction, so several processes may run this at once).
 * Returns a stop function.
 */
export function startRetention(store: Store, days: number, log?: (message: string, error?: unknown) => void): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const before = new Date(Date.now() - days * DAY_MS).toISOString();
      await archiveEndedBefore(store, before, (batch) => log?.(`archived the events of ${batch.length} run${batch.length === 1 ? '' : 's'} that ended before ${before.slice(0, 10)}`));
    } catch (error) {
      log?.('archiving events failed; trying again in an hour', error);
    } finally {
      running = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
