import type { Context } from 'hono';
import type { z } from 'zod';
import { InvalidRequestError } from '../core/errors.js';

/** Reads a JSON body and validates it; errors name the field and what was expected. */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  return validateBody(schema, await readJsonBody(c));
}

/** The body as JSON, not yet validated; 400 invalid_json when it is not JSON. */
export async function readJsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new InvalidRequestError('the body is not valid JSON', 'invalid_json');
  }
}

/** A parsed body checked against its schema; the error names the first wrong field. */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : 'body';
    throw new InvalidRequestError(`${field}: ${issue?.message.replace(/^Invalid input: /, '') ?? 'invalid'}`, 'invalid_request', issue?.path.length ? field : null);
  }
  return parsed.data;
}
