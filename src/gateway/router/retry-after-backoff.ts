import { ExponentialBackoff, type IBackoff, type IBackoffFactory, type IRetryBackoffContext } from 'cockatiel';
import { ProviderError } from '../../core/errors.js';

/**
 * Jittered exponential backoff that never waits less than the upstream's Retry-After.
 * (cockatiel's ExponentialBackoff uses "decorrelated jitter".)
 */
export class RetryAfterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  readonly #exponential: IBackoffFactory<unknown>;

  constructor(options: { initialDelay: number; maxDelay: number }) {
    this.#exponential = new ExponentialBackoff(options);
  }

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    return wrap(this.#exponential.next(context), context);
  }
}

function wrap(inner: IBackoff<unknown>, context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
  const error = 'error' in context.result ? context.result.error : undefined;
  const retryAfter = error instanceof ProviderError ? error.retryAfterMs ?? 0 : 0;
  return {
    duration: Math.max(inner.duration, retryAfter),
    next: (next) => wrap(inner.next(next), next),
  };
}
