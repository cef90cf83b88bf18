import type { StepScope } from '../engine/pipeline.js';
import { askStructured } from './ask-structured.js';
import { parsePlan, type Plan } from './plan.js';
import { renderPrompt } from './prompt-template.js';

export interface PlannerResult {
  plan: Plan;
  turns: number;
}

export async function runPlanner(scope: StepScope, spec: string, maxRetries: number): Promise<PlannerResult> {
  const { value, turns } = await askStructured(scope, {
    role: 'planner',
    firstTurn: 1,
    messages: [{ role: 'user', content: renderPrompt('planner', { spec }) }],
    parse: parsePlan,
    maxRetries,
    responseFormat: 'json',
  });
  return { plan: value, turns };
}
