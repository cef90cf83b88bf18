import type { Gate } from '../engine/gate.js';
import type { IntakeInput } from '../gates/g0-intake.js';
import type { Pipeline } from '../engine/pipeline.js';
import type { CodeFile } from './code-files.js';
import { runCoder, type CoderResult } from './coder.js';
import type { Plan } from './plan.js';
import { runPlanner, type PlannerResult } from './planner.js';
import { isGreen, runTester, type TestReport } from './tester.js';

export interface BuildPipelineOptions {
  maxPlanRetries: number;
  maxCodeAttempts: number;
  /** Gates run in order: at intake (before the plan), after the plan and after each coder attempt. */
  gates?: {
    intake?: Gate<IntakeInput>[];
    afterPlan?: Gate<{ spec: string; plan: Plan }>[];
    afterCode?: Gate<{ plan: Plan; files: CodeFile[] }>[];
  };
  /** Every model reference the run calls besides its own (the role models), for intake checks. */
  roleModels?: string[];
  /** The network sandboxed jobs are granted, for intake checks. */
  egress?: string[];
}

/**
 * The default pipeline: planner -> coder -> tester, failing tests going back to the
 * coder at most `maxCodeAttempts` times. Each arrow is a durable step.
 */
export function createBuildPipeline(options: BuildPipelineOptions): Pipeline {
  return async (context) => {
    // The tester's sandbox starts while the planner and coder think: the JavaScript lane at
    // once, the plan's language's lane as soon as the plan says which.
    void context.sandbox.warm('javascript', context.sandboxLimits);
    for (const gate of options.gates?.intake ?? [])
      await context.gate(gate, { spec: context.run.spec, principal: context.principal, models: [context.run.model, ...(options.roleModels ?? [])], egress: options.egress ?? [] });
    const { plan } = await context.step<PlannerResult>('plan', 'agent', (scope) => runPlanner(scope, context.run.spec, options.maxPlanRetries));
    if (plan.language === 'python') void context.sandbox.warm('python', context.sandboxLimits);
    for (const gate of options.gates?.afterPlan ?? []) await context.gate(gate, { spec: context.run.spec, plan });

    let turnsBefore = 0;
    let previous: { files: CodeFile[]; report: TestReport } | undefined;
    let files: CodeFile[] = [];
    let green = false;
    let attempt = 0;
    while (attempt < options.maxCodeAttempts && !green) {
      attempt += 1;
      const prior = previous;
      const coded = await context.step<CoderResult>(
        `code#${attempt}`,
        'agent',
        (scope) => runCoder(scope, { plan, turnsBefore, maxRetries: options.maxPlanRetries, ...(prior ? { previous: prior } : {}) }),
        { attempt },
      );
      turnsBefore += coded.turns;
      files = coded.files;
      for (const gate of options.gates?.afterCode ?? []) await context.gate(gate, { plan, files }, { step: `gate:${gate.id}#${attempt}` });
      const report = await context.step<TestReport>(`test#${attempt}`, 'sandbox', (scope) => runTester(context, scope, files), { attempt });
      green = isGreen(report);
      previous = { files, report };
    }

    // The files (of the last attempt, green or not) go out with the run's final event.
    if (green) return { status: 'completed', attempts: attempt, files };
    const last = previous?.report;
    return {
      status: 'failed',
      code: 'tests_failed',
      files,
      reason: `tests still failing after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${last ? `${last.status} — ${last.message}` : 'no report'}`,
    };
  };
}
