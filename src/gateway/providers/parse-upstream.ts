import type { z } from 'zod';
import { ProviderError } from '../../core/errors.js';

/** An upstream's JSON text, parsed; anything else is a ProviderError naming the upstream. */
export function parseUpstreamJson(kind: string, url: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError(kind, url, `answered with invalid JSON: ${JSON.stringify(text.slice(0, 80))}`, { code: 'provider_bad_response' });
  }
}

/** An upstream's answer checked against the wire schema; the first mismatch names the field. */
export function parseUpstreamShape<S extends z.ZodType>(kind: string, url: string, schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError(kind, url, `answered an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message})`, {
      code: 'provider_bad_response',
    });
  }
  return parsed.data;
}
