import type { z } from 'zod';
import { extractJson } from './extract-json.js';

/**
 * A model's JSON reply checked against a schema; the error names the first wrong fields, to
 * be fed back to the model ("the plan does not match the schema: steps: Too small…").
 */
export function parseJsonReply<S extends z.ZodType>(reply: string, schema: S, what: string): { ok: true; value: z.infer<S> } | { ok: false; error: string } {
  const json = extractJson(reply);
  if (!json.ok) return json;
  const parsed = schema.safeParse(json.value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return { ok: false, error: `${what}: ${issues.join('; ')}` };
}
