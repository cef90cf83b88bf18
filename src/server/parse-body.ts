import { validateInput } from '../core/validate-input.js';
import type { Context } from 'hono';
import type { z } from 'zod';
import { InvalidRequestError, UmcaError } from '../core/errors.js';
import { containsNul, jsonMayContainNul } from '../core/nul-bytes.js';

/** Reads a JSON body and validates it; errors name the field and what was expected. */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  return validateBody(schema, await readJsonBody(c));
}

/**
 * The body as JSON, not yet validated; 415 unless it is sent as JSON (a web page cannot send
 * that cross-origin without a CORS preflight, which umca never grants), 400 invalid_json
 * when it does not parse.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  if (!isJsonContentType(c.req.header('content-type'))) throw notJsonMediaType();
  return parseJsonText(await c.req.text());
}

/** JSON text as a value: 400 `invalid_json` when it does not parse, 400 `nul_byte` when a string in it holds a NUL. */
export function parseJsonText(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw notJson();
  }
  if (jsonMayContainNul(text) && containsNul(value)) throw nulByte('the body');
  return value;
}

/** 400 for a NUL byte in `where` (a body, a query parameter), on every door. */
export function nulByte(where: string): InvalidRequestError {
  return new InvalidRequestError(`${where} contains a NUL byte (U+0000), which umca does not accept`, 'nul_byte');
}

/** A parsed body checked against its schema; the error names the first wrong field. */
export const validateBody = validateInput;

/** 400 for a body that is not JSON, whichever server read it. */
export function notJson(): InvalidRequestError {
  return new InvalidRequestError('the body is not valid JSON', 'invalid_json');
}

/** 413 for a body over `limit` bytes, whichever server read it. */
export function tooLarge(limit: number): UmcaError {
  return new UmcaError('payload_too_large', `the body is larger than ${limit} bytes`, { status: 413 });
}

/** `application/json`, or a `+json` type, with any parameters. */
export function isJsonContentType(value: string | undefined): boolean {
  return /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(value ?? '');
}

/** 415 for a body not sent as JSON, whichever server read it. */
export function notJsonMediaType(): UmcaError {
  return new UmcaError('unsupported_media_type', 'send the body as JSON, with content-type: application/json', { status: 415 });
}
