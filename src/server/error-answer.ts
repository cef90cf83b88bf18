import { UmcaError, UnauthenticatedError } from '../core/errors.js';

/** An error as an HTTP answer: status, `{error:{code,message,type,param}}` and headers. */
export interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string; type: string; param: string | null } };
  headers: Record<string, string>;
}

/**
 * The one place errors become answers, never with a stack. A UmcaError keeps its status
 * (5xx ones are logged); anything unexpected is a logged 500 with a generic message.
 */
export function errorAnswer(error: unknown, where: string, log: (message: string, error: unknown) => void): ErrorAnswer {
  if (error instanceof UmcaError) {
    if (error.status >= 500) log(`${where}: ${error.message}`, error);
    // A 429 or 503 that knows when to come back says so.
    const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
    const headers: Record<string, string> =
      typeof retryAfterMs === 'number' && (error.status === 429 || error.status === 503) ? { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } : {};
    // RFC 6750: a 401 names the scheme and why the token was refused.
    if (error instanceof UnauthenticatedError && error.status === 401)
      headers['www-authenticate'] = `Bearer realm="umca", error="${error.code === 'missing_token' ? 'invalid_request' : 'invalid_token'}", error_description="${error.code}"`;
    return { status: error.status, body: error.toJSON(), headers };
  }
  log(`${where}: unexpected error`, error);
  return { status: 500, body: { error: { code: 'internal', message: 'internal error; see the server log', type: 'server_error', param: null } }, headers: {} };
}
