import type { StepScope } from '../engine/step-scope.js';
import { askStructured } from './ask-structured.js';
import { parsePlan, PLAN_SCHEMA, type Plan } from './plan.js';
import { renderPrompt } from './prompt-template.js';

export interface PlannerResult {
  plan: Plan;
  turns: number;
  /** Tool results the planner was given: sources the research may cite. */
  sources?: Array<{ id: string; content: string }>;
}

/** `context`: what the planner works on besides the spec (a repository's files), after the prompt. */
export async function runPlanner(scope: StepScope, spec: string, limits: { maxRetries: number; maxToolCalls: number }, context?: string): Promise<PlannerResult> {
  const { value, turns, sources } = await askStructured(scope, {
    role: 'planner',
    firstTurn: 1,
    messages: [{ role: 'user', content: renderPrompt('planner', { spec }) + (context ? `\n\n${context}` : '') }],
    parse: parsePlan,
    maxRetries: limits.maxRetries,
    maxToolCalls: limits.maxToolCalls,
    responseFormat: 'json',
    schema: PLAN_SCHEMA,
  });
  return { plan: value, turns, sources };
}
