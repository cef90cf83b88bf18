import { z } from 'zod';
import { extractJson } from './extract-json.js';

export const planSchema = z.object({
  title: z.string().min(1),
  summary: z.string().min(1),
  language: z.enum(['typescript', 'javascript', 'python']),
  steps: z.array(z.object({ id: z.string().min(1), description: z.string().min(1) })).min(1),
  files: z.array(z.string().min(1)).min(1),
  acceptance: z.array(z.string().min(1)).min(1),
});

export type Plan = z.infer<typeof planSchema>;

/** Parses a planner reply; the error names the field, to be fed back to the model. */
export function parsePlan(reply: string): { ok: true; value: Plan } | { ok: false; error: string } {
  const json = extractJson(reply);
  if (!json.ok) return json;
  const parsed = planSchema.safeParse(json.value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return { ok: false, error: `the plan does not match the schema: ${issues.join('; ')}` };
}
