import { EventEmitter } from 'node:events';

/**
 * A signal that aborts when the caller's does or after `ms`, whichever comes first, with
 * `reason()` as the timeout's reason. One AbortController and one timer: Node 20's
 * AbortSignal.any and AbortSignal.timeout cost far more per call under load
 * (docs/benchmarks.md). Call `done()` when the guarded work is over.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** True once the time ran out (not when the caller aborted). */
  readonly expired: boolean;
  done(): void;
}

export function deadline(ms: number, caller: AbortSignal | undefined, reason: () => unknown): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(reason());
  }, ms);
  const onAbort = () => controller.abort(caller?.reason);
  if (caller?.aborted) onAbort();
  else caller?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    done() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}

/** Rejects with the signal's reason once it aborts: for racing work that does not watch the signal. */
export function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * deadline() for undici: the same timer and caller link, but the signal is an EventEmitter,
 * which undici takes as a signal, rather than an AbortController: the per-call controller was a
 * measurable share of the gateway's CPU under load (docs/benchmarks.md).
 */
export function emitterDeadline(ms: number, caller: AbortSignal | undefined): { signal: EventEmitter; readonly expired: boolean; done(): void } {
  const signal = new EventEmitter();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    signal.emit('abort');
  }, ms);
  const onAbort = () => signal.emit('abort');
  caller?.addEventListener('abort', onAbort, { once: true });
  return {
    signal,
    get expired() {
      return expired;
    },
    done() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}
