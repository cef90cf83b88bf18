import type { z } from 'zod';
import { InvalidRequestError } from './errors.js';

/** A value checked against its schema: 400 `invalid_request` naming the first wrong field (`body` when the whole value is wrong). */
export function validateInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : 'body';
    throw new InvalidRequestError(`${field}: ${issue?.message.replace(/^Invalid input: /, '') ?? 'invalid'}`, 'invalid_request', issue?.path.length ? field : null);
  }
  return parsed.data;
}
