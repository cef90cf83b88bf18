import type { Context } from 'hono';
import type { z } from 'zod';
import { InvalidRequestError } from '../core/errors.js';

/** Reads a JSON body and validates it; errors name the field and what was expected. */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new InvalidRequestError('the body is not valid JSON', 'invalid_json');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : 'body';
    throw new InvalidRequestError(`${field}: ${issue?.message.replace(/^Invalid input: /, '') ?? 'invalid'}`, 'invalid_request', issue?.path.length ? field : null);
  }
  return parsed.data;
}
