import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BudgetExceededError, errorType, UmcaError } from '../core/errors.js';

/**
 * The one place errors become responses: `{error:{code,message}}`, never a stack.
 * A UmcaError keeps its status; anything unexpected is a logged 500 with a generic message.
 */
export function errorHandler(log: (message: string, error: unknown) => void) {
  return (error: Error, c: Context): Response => {
    if (error instanceof UmcaError) {
      if (error.status >= 500) log(`${c.req.method} ${c.req.path}: ${error.message}`, error);
      if (error instanceof BudgetExceededError) c.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
      return c.json(error.toJSON(), error.status as ContentfulStatusCode);
    }
    if (error instanceof HTTPException) {
      const status = error.status;
      const code = status === 413 ? 'payload_too_large' : status === 400 ? 'invalid_request' : 'http_error';
      return c.json({ error: { code, message: error.message || 'request rejected', type: errorType(status), param: null } }, status);
    }
    log(`${c.req.method} ${c.req.path}: unexpected error`, error);
    return c.json({ error: { code: 'internal', message: 'internal error; see the server log', type: 'server_error', param: null } }, 500);
  };
}
