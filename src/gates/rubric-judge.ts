import { z } from 'zod';
import { askStructured } from '../agents/ask-structured.js';
import { parseJsonReply } from '../agents/parse-json-reply.js';
import { renderPrompt } from '../agents/prompt-template.js';
import type { GateContext } from '../engine/gate.js';
import type { Evaluation } from './evaluation.js';

export interface RubricCriterion {
  id: string;
  /** What the judge scores, as a question with its scale's ends. */
  question: string;
}

const scoreSchema = z.object({ score: z.number().min(0).max(1), reason: z.string().min(1) });

/**
 * An LLM judge through the gateway (role `judge`): the prompt template gets the rubric, the
 * judge answers one score (0..1) and reason per criterion as JSON. An invalid answer is sent
 * back with the error, like any structured reply; one that stays invalid fails the gate's
 * step. Each criterion becomes an evaluation `judge:<id>`.
 */
export async function askRubricJudge(
  context: GateContext,
  input: { template: string; values: Record<string, string>; criteria: readonly RubricCriterion[]; maxRetries?: number },
): Promise<Evaluation[]> {
  const rubric = input.criteria.map((c) => `- "${c.id}": ${c.question}`).join('\n');
  const shape = `{ ${input.criteria.map((c) => `"${c.id}": { "score": 0.0-1.0, "reason": "one sentence" }`).join(', ')} }`;
  const { value } = await askStructured(context, {
    role: 'judge',
    firstTurn: 1,
    messages: [{ role: 'user', content: renderPrompt(input.template, { ...input.values, rubric, shape }) }],
    parse: (reply) => parseRubric(reply, input.criteria),
    maxRetries: input.maxRetries ?? 2,
    responseFormat: 'json',
    schema: { name: 'verdict', schema: z.toJSONSchema(rubricSchema(input.criteria), { io: 'input' }) as Record<string, unknown> },
  });
  return input.criteria.map((c) => ({ id: `judge:${c.id}`, score: value[c.id]!.score, reason: `judge: ${value[c.id]!.reason}` }));
}

const rubricSchema = (criteria: readonly RubricCriterion[]) => z.object(Object.fromEntries(criteria.map((c) => [c.id, scoreSchema])));

function parseRubric(reply: string, criteria: readonly RubricCriterion[]) {
  const schema = rubricSchema(criteria);
  return parseJsonReply(reply, schema, 'the verdict does not match the rubric') as { ok: true; value: Record<string, z.infer<typeof scoreSchema>> } | { ok: false; error: string };
}
