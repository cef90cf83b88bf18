import { eventSubject, type Bus } from '../bus/bus.js';
import type { RunEvent } from '../core/events.js';
import type { Commit, CommitResult, RunStore } from '../store/run-store.js';

/**
 * Stores a commit, then announces its events on the bus, in seq order: the one way the
 * engine writes to a run (the store is the truth; the bus only tells followers sooner).
 */
export async function commitAndPublish(deps: { store: Pick<RunStore, 'commit'>; bus: Pick<Bus, 'publish'> }, runId: string, commit: Commit): Promise<CommitResult> {
  const result = await deps.store.commit(runId, commit);
  publishEvents(deps.bus, runId, result.events);
  return result;
}

/** Announces stored events on the run's subject. */
export function publishEvents(bus: Pick<Bus, 'publish'>, runId: string, events: readonly RunEvent[]): void {
  for (const event of events) bus.publish(eventSubject(runId), event);
}
