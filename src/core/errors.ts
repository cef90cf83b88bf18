/**
 * One error hierarchy for the whole product. Every error a user can see is a
 * `UmcaError` (or is wrapped in one at the boundary): it carries a stable `code`,
 * the HTTP `status` it maps to, and whether retrying could help.
 */
export interface UmcaErrorOptions {
  status?: number;
  cause?: unknown;
  isRetryable?: boolean;
}

export class UmcaError extends Error {
  readonly code: string;
  readonly status: number;
  readonly isRetryable: boolean;

  constructor(code: string, message: string, options: UmcaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.isRetryable = options.isRetryable ?? false;
  }

  /** The field a caller got wrong, if one did. */
  param: string | null = null;

  /**
   * The body sent to clients: never a stack, never the cause's internals. `type` and
   * `param` make it OpenAI's error shape too, so OpenAI clients read umca's errors.
   */
  toJSON(): { error: { code: string; message: string; type: string; param: string | null } } {
    return { error: { code: this.code, message: this.message, type: errorType(this.status), param: this.param } };
  }
}

/** OpenAI's error `type` for a status. */
export function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return status === 502 || status === 504 ? 'upstream_error' : 'server_error';
  return 'invalid_request_error';
}

/** The caller sent something malformed or out of bounds. */
export class InvalidRequestError extends UmcaError {
  constructor(message: string, code = 'invalid_request', param: string | null = null) {
    super(code, message, { status: 400 });
    this.param = param;
  }
}

export class NotFoundError extends UmcaError {
  constructor(message: string, code = 'not_found') {
    super(code, message, { status: 404 });
  }
}

/** The request is well-formed but conflicts with the resource's state. */
export class ConflictError extends UmcaError {
  constructor(message: string, code = 'conflict') {
    super(code, message, { status: 409 });
  }
}

/** The caller is not authenticated; `code` says why (token_expired, wrong_audience...). */
export class UnauthenticatedError extends UmcaError {
  constructor(code: string, message: string) {
    // An issuer umca cannot reach is not the caller's fault.
    super(code, message, { status: code === 'issuer_unreachable' ? 503 : 401, isRetryable: code === 'issuer_unreachable' });
  }
}

/** The caller is authenticated but not allowed; the message names the action. */
export class ForbiddenError extends UmcaError {
  constructor(message: string) {
    super('forbidden', message, { status: 403 });
  }
}

/** A config file or environment variable is invalid; the message names the field. */
export class ConfigError extends UmcaError {
  constructor(message: string) {
    super('config_invalid', message, { status: 500 });
  }
}

/** A model provider could not be reached or answered something unusable. */
export class ProviderError extends UmcaError {
  readonly provider: string;
  readonly url: string | undefined;
  /** How long the upstream asked us to wait (Retry-After), if it did. */
  readonly retryAfterMs: number | undefined;

  constructor(
    provider: string,
    url: string | undefined,
    message: string,
    options: UmcaErrorOptions & { code?: string; retryAfterMs?: number } = {},
  ) {
    super(options.code ?? 'provider_error', `${provider}${url ? ` at ${url}` : ''}: ${message}`, {
      status: options.status ?? 502,
      cause: options.cause,
      isRetryable: options.isRetryable ?? false,
    });
    this.provider = provider;
    this.url = url;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** An upstream's own words on why it refused a request. */
export interface UpstreamRejection {
  message: string;
  code?: string;
  param?: string;
  type?: string;
}

/**
 * An upstream refused the request for what it holds (400, 413, 422): the caller's mistake,
 * passed back with the upstream's status, code, message and param — never retried, never
 * another upstream tried for it.
 */
export class UpstreamRejectedError extends ProviderError {
  readonly rejection: UpstreamRejection;

  constructor(provider: string, url: string | undefined, status: number, rejection: UpstreamRejection) {
    super(provider, url, `HTTP ${status}: ${rejection.message.slice(0, 2_000)}`, { code: rejection.code ?? 'upstream_rejected', status, isRetryable: false });
    this.rejection = { ...rejection, message: rejection.message.slice(0, 2_000) };
    this.param = rejection.param ?? null;
  }

  override toJSON(): { error: { code: string; message: string; type: string; param: string | null } } {
    return { error: { code: this.code, message: this.rejection.message, type: this.rejection.type ?? errorType(this.status), param: this.param } };
  }
}

/** A caller's budget or rate limit would be exceeded; try again after `retryAfterMs`. */
export class BudgetExceededError extends UmcaError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super('budget_exceeded', message, { status: 429 });
    this.retryAfterMs = retryAfterMs;
  }
}

/** More runs wait for a worker than `workers.max_queue_depth`: come back after `retryAfterMs`. */
export class QueueFullError extends UmcaError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super('queue_full', message, { status: 429, isRetryable: true });
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * An event umca itself built failed its schema or its size bound: umca's own bug (or a guest
 * value that reached event data unchecked). The step fails once with this reason on the log;
 * it is never retried.
 */
export class EventInvalidError extends UmcaError {
  constructor(message: string) {
    super('event_invalid', message, { status: 500, isRetryable: false });
  }
}

/** A run was cancelled while a step was in flight. */
export class CancelledError extends UmcaError {
  /** Who cancelled: a principal id. */
  readonly by: string;

  constructor(message = 'run cancelled', by = 'user:local') {
    super('cancelled', message, { status: 409 });
    this.by = by;
  }
}

/** Wraps anything thrown into a UmcaError without leaking a stack to users. */
export function toUmcaError(error: unknown): UmcaError {
  if (error instanceof UmcaError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UmcaError('internal', message, { cause: error });
}
