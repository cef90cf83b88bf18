import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorType } from '../core/errors.js';
import { errorAnswer } from './error-answer.js';

/** Hono's error handler: every error through errorAnswer, Hono's own HTTP exceptions in the same shape. */
export function errorHandler(log: (message: string, error: unknown) => void) {
  return (error: Error, c: Context): Response => {
    if (error instanceof HTTPException) {
      const status = error.status;
      const code = status === 413 ? 'payload_too_large' : status === 400 ? 'invalid_request' : 'http_error';
      return c.json({ error: { code, message: error.message || 'request rejected', type: errorType(status), param: null } }, status);
    }
    const answer = errorAnswer(error, `${c.req.method} ${c.req.path}`, log);
    return c.json(answer.body, answer.status as ContentfulStatusCode, answer.headers);
  };
}
