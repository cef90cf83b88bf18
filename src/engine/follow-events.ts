import { TERMINAL_EVENT_TYPES, type RunEvent } from '../core/events.js';
import { FINAL_STATUSES } from '../core/run.js';
import { eventSubject, type Bus } from '../bus/bus.js';
import type { RunStore } from '../store/run-store.js';

export interface FollowOptions {
  /** Yield events with seq greater than this (a client's Last-Event-ID). */
  afterSeq?: number;
  signal?: AbortSignal;
  /** After this long without an event, yields `undefined` (a heartbeat) and re-checks the store. */
  idleMs?: number;
}

/**
 * A run's events in seq order, from the store's backlog and then live from the bus,
 * without gaps or duplicates, ending after the run's final event. The store is the truth:
 * a gap in what the bus delivered, or a quiet spell, is filled from the store.
 */
export async function* followEvents(deps: { store: Pick<RunStore, 'readEvents' | 'getRun'>; bus: Pick<Bus, 'subscribe'> }, runId: string, options: FollowOptions = {}): AsyncGenerator<RunEvent | undefined> {
  const { store, bus } = deps;
  const queue: RunEvent[] = [];
  let wake: (() => void) | undefined;
  const off = bus.subscribe(eventSubject(runId), (message) => {
    queue.push(message as RunEvent);
    wake?.();
  });
  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  let last = options.afterSeq ?? 0;
  /** Yields what the store has after `last`; true once the run's final event went out. */
  async function* fromStore(): AsyncGenerator<RunEvent, boolean> {
    for (const event of await store.readEvents(runId, { afterSeq: last })) {
      last = event.seq;
      yield event;
      if (TERMINAL_EVENT_TYPES.has(event.type)) return true;
    }
    return false;
  }
  try {
    // Subscribed first, so nothing falls between the backlog and the live feed.
    if (yield* fromStore()) return;
    const run = await store.getRun(runId);
    if (!run || FINAL_STATUSES.has(run.status)) return;

    while (!options.signal?.aborted) {
      while (queue.length > 0) {
        const event = queue.shift()!;
        if (event.seq <= last) continue;
        if (event.seq > last + 1) {
          // The bus skipped something: the store has it.
          if (yield* fromStore()) return;
          continue;
        }
        last = event.seq;
        yield event;
        if (TERMINAL_EVENT_TYPES.has(event.type)) return;
      }
      const woke = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), options.idleMs ?? 15_000);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      wake = undefined;
      if (woke || options.signal?.aborted) continue;
      // Quiet: another process may have written (or ended) the run.
      yield undefined;
      if (yield* fromStore()) return;
      const now = await store.getRun(runId);
      if (!now || FINAL_STATUSES.has(now.status)) return;
    }
  } finally {
    off();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
