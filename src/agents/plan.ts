import { z } from 'zod';
import { parseJsonReply } from './parse-json-reply.js';

/** An acceptance criterion: `{id, text}`, or a bare string (numbered A1, A2… by position). */
const acceptanceItem = z.union([z.string().min(1), z.object({ id: z.string().min(1), text: z.string().min(1) })]);

export const planSchema = z.object({
  title: z.string().min(1),
  summary: z.string().min(1),
  language: z.enum(['typescript', 'javascript', 'python']),
  steps: z.array(z.object({ id: z.string().min(1), description: z.string().min(1) })).min(1),
  files: z.array(z.string().min(1)).min(1),
  acceptance: z.array(acceptanceItem).min(1),
  /**
   * The spec's requirements, each in the spec's words, traced to the steps that build it and
   * the acceptance criteria that test it. Optional to parse; the G1 gate scores a plan without it.
   */
  requirements: z
    .array(z.object({ id: z.string().min(1), text: z.string().min(1), steps: z.array(z.string()).default([]), tests: z.array(z.string()).default([]) }))
    .optional(),
});

export type Plan = z.infer<typeof planSchema>;

/** The plan's shape as JSON Schema, for providers that enforce one. */
export const PLAN_SCHEMA = { name: 'plan', schema: z.toJSONSchema(planSchema, { io: 'input' }) as Record<string, unknown> };

/** The plan's acceptance criteria with their ids (a bare string is A1, A2… by position). */
export function acceptanceCriteria(plan: Plan): Array<{ id: string; text: string }> {
  return plan.acceptance.map((item, index) => (typeof item === 'string' ? { id: `A${index + 1}`, text: item } : item));
}

/** Parses a planner reply; the error names the field, to be fed back to the model. */
export function parsePlan(reply: string): { ok: true; value: Plan } | { ok: false; error: string } {
  return parseJsonReply(reply, planSchema, 'the plan does not match the schema');
}
