import type { Gate } from '../engine/gate.js';
import type { Pipeline } from '../engine/pipeline.js';
import type { IntakeInput } from '../gates/g0-intake.js';
import type { CodeReviewInput } from '../gates/g3-code.js';
import type { PlanReviewInput } from '../gates/g1-plan.js';
import type { ProvenanceInput } from '../gates/g2-provenance.js';
import type { CodeFile } from '../agents/code-files.js';
import { runCoder, type CoderResult } from '../agents/coder.js';
import { runPlanner, type PlannerResult } from '../agents/planner.js';
import { runResearcher, type ResearchResult } from '../agents/researcher.js';
import { retrieveKnowledge, type KnowledgeSearch } from '../agents/retrieve-knowledge.js';
import { runSources, type Source } from '../agents/sources.js';
import type { Principal } from '../core/principal.js';
import { isGreen, runTester, type TestReport } from '../agents/tester.js';

export interface BuildPipelineOptions {
  maxPlanRetries: number;
  maxCodeAttempts: number;
  /** Tool calls one agent step (planner, researcher, coder) may make. Default 0: no tools. */
  maxToolCalls?: number;
  /**
   * Gates run in order: at intake (G0, before the plan), after the plan (G1), after research
   * (G2) and after each coder attempt, before its tests (G3).
   */
  gates?: {
    intake?: Gate<IntakeInput>[];
    afterPlan?: Gate<PlanReviewInput>[];
    afterResearch?: Gate<ProvenanceInput>[];
    afterCode?: Gate<CodeReviewInput>[];
  };
  /** Every model reference the run calls besides its own (the role models), for intake checks. */
  roleModels?: string[];
  /** The knowledge plane, as each run's principal: what a run's `kb` bases are searched through. */
  knowledge?: { for(principal: Principal): KnowledgeSearch };
  /** Tokens a run's retrieval may take, for the model its research runs on. Default 2,048. */
  retrievalTokens?: (model: string) => number;
}

/**
 * The default pipeline: planner -> G1 -> research -> G2 -> coder -> G3 -> tester, failing
 * tests going back to the coder at most `maxCodeAttempts` times. Each arrow is a durable step.
 */
export function createBuildPipeline(options: BuildPipelineOptions): Pipeline {
  return async (context) => {
    const { runtime, references, tools } = context.options;
    // The tester's sandbox starts while the planner and coder think: the JavaScript lane at
    // once, the plan's language's lane as soon as the plan says which.
    void context.sandbox.warm('javascript', context.sandboxLimits, runtime);
    for (const gate of options.gates?.intake ?? [])
      await context.gate(gate, { spec: context.run.spec, principal: context.principal, models: [context.run.model, ...(options.roleModels ?? [])], egress: [...context.sandboxEgress], runtime, ...(tools ? { tools } : {}) });
    const limits = { maxRetries: options.maxPlanRetries, maxToolCalls: options.maxToolCalls ?? 0 };
    const planned = await context.step<PlannerResult>('plan', 'agent', (scope) => runPlanner(scope, context.run.spec, limits));
    const { plan } = planned;
    if (plan.language === 'python') void context.sandbox.warm('python', context.sandboxLimits, runtime);
    for (const gate of options.gates?.afterPlan ?? []) await context.gate(gate, { spec: context.run.spec, plan });

    // What research may cite: the spec, the run's documents, its knowledge bases' chunks, what the planner's tools returned.
    const bases = context.options.knowledgeBases ?? [];
    const knowledge = options.knowledge;
    const retrieved = bases.length && knowledge
      ? await context.step<Source[]>('retrieve', 'agent', (scope) =>
          retrieveKnowledge(scope, { bases, query: context.run.spec, search: knowledge.for(context.principal), quotaTokens: options.retrievalTokens?.(context.run.model) ?? 2_048 }),
        )
      : [];
    const given = [...runSources(context.run.spec, references), ...retrieved, ...(planned.sources ?? [])];
    const research = await context.step<ResearchResult>('research', 'agent', (scope) => runResearcher(scope, { plan, sources: given, ...limits }));
    const { findings } = research;
    const sources = [...given, ...(research.sources ?? [])];
    for (const gate of options.gates?.afterResearch ?? []) await context.gate(gate, { findings, sources });

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
        (scope) => runCoder(scope, { plan, findings, turnsBefore, ...limits, ...(prior ? { previous: prior } : {}) }),
        { attempt },
      );
      turnsBefore += coded.turns;
      files = coded.files;
      const review: CodeReviewInput = { files, principal: context.principal, egress: context.sandboxEgress, runtime, limits: context.sandboxLimits };
      for (const gate of options.gates?.afterCode ?? []) await context.gate(gate, review, { step: `gate:${gate.id}#${attempt}` });
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
