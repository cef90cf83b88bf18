import { acceptanceCriteria, type Plan } from '../agents/plan.js';
import type { Gate, GateContext, GateVerdict } from '../engine/gate.js';
import { isTestFile } from '../sandbox/job-language.js';
import { clip, listed, verdictOf, type Evaluation } from './evaluation.js';
import { askRubricJudge, type RubricCriterion } from './rubric-judge.js';
import { specRequirements } from './spec-requirements.js';
import { contentWords, coverage } from './text-overlap.js';

export interface PlanReviewInput {
  spec: string;
  plan: Plan;
  /** A plan for a change to a repository: its own tests, which the run will run. */
  repository?: { testCommand: string; testFiles: number };
}

export interface G1Options {
  threshold: number;
  /** Ask the judge model to score the plan against the rubric (through the gateway). */
  judge: boolean;
}

/** The judge's rubric for a plan. */
export const PLAN_RUBRIC: readonly RubricCriterion[] = [
  { id: 'coverage', question: 'Does every requirement of the spec have steps that build it? (0: several are missing, 1: all are built)' },
  { id: 'testability', question: 'Are the acceptance criteria observable, and will the planned tests check each? (0: vague or untested, 1: each is a concrete check)' },
  { id: 'feasibility', question: 'Can the plan be built in a sandbox without network or third-party packages? (0: it cannot, 1: it plainly can)' },
  { id: 'focus', question: 'Does the plan stay within what the spec asks? (0: mostly unrequested work, 1: nothing beyond the spec)' },
];

/** A spec clause counts as planned when a plan requirement holds this share of its content words. */
const COVERED = 0.6;

/**
 * G1 plan completeness: structural checks — every requirement the plan lists is traced to a
 * step and an acceptance criterion that exist; every requirement of the spec (each clause)
 * is among the plan's requirements; source and test files are planned — plus, when enabled,
 * an LLM judge's rubric scores. The gate's score is the lowest; below the threshold it blocks.
 */
export class G1PlanGate implements Gate<PlanReviewInput> {
  readonly id = 'g1-plan';

  constructor(private readonly options: G1Options) {}

  async evaluate(input: PlanReviewInput, context: GateContext): Promise<GateVerdict> {
    const { plan } = input;
    const evaluations: Evaluation[] = [traced(plan), covered(input.spec, plan), testsPlanned(plan, input.repository)];
    if (this.options.judge) {
      evaluations.push(
        ...(await askRubricJudge(context, {
          template: 'judge-plan',
          values: { spec: input.spec, plan: JSON.stringify(plan, null, 2) },
          criteria: PLAN_RUBRIC,
        })),
      );
    }
    return verdictOf(evaluations, this.options.threshold);
  }
}

/** Each listed requirement names steps and acceptance criteria, and they exist; any broken trace scores at most 0.5. */
function traced(plan: Plan): Evaluation {
  const requirements = plan.requirements ?? [];
  if (requirements.length === 0) return { id: 'requirements-traced', score: 0, reason: 'the plan lists no requirements traced to steps and tests' };
  const steps = new Set(plan.steps.map((s) => s.id));
  const tests = new Set(acceptanceCriteria(plan).map((a) => a.id));
  const problems: string[] = [];
  let good = 0;
  for (const requirement of requirements) {
    const own: string[] = [];
    if (requirement.steps.length === 0) own.push('no step builds it');
    if (requirement.tests.length === 0) own.push('no acceptance criterion tests it');
    const unknownSteps = requirement.steps.filter((id) => !steps.has(id));
    const unknownTests = requirement.tests.filter((id) => !tests.has(id));
    if (unknownSteps.length) own.push(`it names step${unknownSteps.length > 1 ? 's' : ''} ${unknownSteps.join(', ')}, which the plan does not have`);
    if (unknownTests.length) own.push(`it names criteri${unknownTests.length > 1 ? 'a' : 'on'} ${unknownTests.join(', ')}, which the plan does not have`);
    if (own.length) problems.push(`${requirement.id}: ${own.join('; ')}`);
    else good += 1;
  }
  // The planner chose every id itself: a broken trace is a defect of the plan, not a near miss.
  const score = Math.min(0.5, round(good / requirements.length));
  return problems.length
    ? { id: 'requirements-traced', score, reason: `${good} of ${requirements.length} requirements traced to steps and tests: ${listed(problems)}` }
    : { id: 'requirements-traced', score: 1, reason: `all ${requirements.length} requirements traced to steps and tests` };
}

/** Each clause of the spec is among the plan's requirements (or, without any, its steps and criteria). */
function covered(spec: string, plan: Plan): Evaluation {
  const clauses = specRequirements(spec);
  if (clauses.length === 0) return { id: 'spec-covered', score: 1, reason: 'the spec states no requirement to trace' };
  const planned = plan.requirements?.length
    ? plan.requirements.map((r) => contentWords(r.text))
    : [...plan.steps.map((s) => s.description), ...acceptanceCriteria(plan).map((a) => a.text), plan.summary].map(contentWords);
  const missing = clauses.filter((clause) => !planned.some((words) => coverage(clause.words, words) >= COVERED));
  const score = round((clauses.length - missing.length) / clauses.length);
  return missing.length
    ? { id: 'spec-covered', score, reason: `${clauses.length - missing.length} of ${clauses.length} spec requirements are in the plan; missing: ${listed(missing.map((m) => `"${clip(m.text)}" (line ${m.line})`))}` }
    : { id: 'spec-covered', score: 1, reason: `all ${clauses.length} spec requirements are in the plan` };
}

function testsPlanned(plan: Plan, repository?: PlanReviewInput['repository']): Evaluation {
  const tests = plan.files.filter(isTestFile);
  const sources = plan.files.filter((f) => !isTestFile(f));
  // A change to a repository is tested by the repository's own tests; new ones are welcome, not required.
  if (repository) {
    if (repository.testFiles === 0 && tests.length === 0)
      return { id: 'tests-planned', score: 0.5, reason: `the repository has no test file its command (${repository.testCommand}) is known to run, and the plan adds none` };
    return { id: 'tests-planned', score: 1, reason: `the repository's own tests run (${repository.testCommand}, ${repository.testFiles} test file${repository.testFiles === 1 ? '' : 's'}), ${tests.length} test file${tests.length === 1 ? '' : 's'} planned` };
  }
  if (tests.length === 0) return { id: 'tests-planned', score: 0, reason: 'the plan has no test file (`*.test.ts`, `test/…`, `test_*.py`)' };
  if (sources.length === 0) return { id: 'tests-planned', score: 0, reason: 'the plan has tests but no source file' };
  return { id: 'tests-planned', score: 1, reason: `${sources.length} source and ${tests.length} test file${tests.length > 1 ? 's' : ''} planned, ${plan.acceptance.length} acceptance criteri${plan.acceptance.length > 1 ? 'a' : 'on'}` };
}

const round = (value: number) => Math.round(value * 100) / 100;
