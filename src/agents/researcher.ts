import type { StepScope } from '../engine/step-scope.js';
import { askStructured } from './ask-structured.js';
import { FINDINGS_SCHEMA, parseFindings, type Findings } from './findings.js';
import type { Plan } from './plan.js';
import { renderPrompt } from './prompt-template.js';
import { formatSources, type Source } from './sources.js';

export interface ResearchResult {
  findings: Findings;
  turns: number;
  /** Tool results the researcher was given: sources its findings may cite. */
  sources?: Array<{ id: string; content: string }>;
}

/**
 * The research step: the facts the plan relies on, each cited to the run's sources (the spec,
 * its reference documents) with the exact words that support it. The G2 gate checks them.
 */
export async function runResearcher(scope: StepScope, input: { plan: Plan; sources: readonly Source[]; maxRetries: number; maxToolCalls: number }): Promise<ResearchResult> {
  const { value, turns, sources } = await askStructured(scope, {
    role: 'researcher',
    firstTurn: 1,
    messages: [{ role: 'user', content: renderPrompt('researcher', { plan: JSON.stringify(input.plan, null, 2), sources: formatSources(input.sources) }) }],
    parse: parseFindings,
    maxRetries: input.maxRetries,
    maxToolCalls: input.maxToolCalls,
    responseFormat: 'json',
    schema: FINDINGS_SCHEMA,
  });
  return { findings: value, turns, sources };
}
