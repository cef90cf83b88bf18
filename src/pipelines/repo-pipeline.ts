import { createHash } from 'node:crypto';
import { draft } from '../core/events.js';
import type { RepoOptions, RuntimePreference } from '../core/run-options.js';
import type { Pipeline, RunContext } from '../engine/pipeline.js';
import type { CodeReviewInput } from '../gates/g3-code.js';
import type { Changeset } from '../repo/changeset.js';
import { editableTree } from '../repo/editable-tree.js';
import { repositoryTestPlan, type RepoTestPlan } from '../repo/test-plan.js';
import { DependencyLayers, NPM_INSTALL, npmDependencies } from '../repo/dependency-layers.js';
import { matchRule, parseEgressRules } from '../core/egress-rules.js';
import type { StepScope } from '../engine/step-scope.js';
import type { SandboxJob } from '../sandbox/sandbox-lane.js';
import type { Repositories } from '../repo/repositories.js';
import type { BuildPipelineOptions } from './build-pipeline.js';
import { RepositoryIndex, type RepositoryIndexResult } from '../services/repository-index.js';
import { runPlanner, type PlannerResult } from '../agents/planner.js';
import { runRepoCoder, type RepoCoderResult } from '../agents/repo-coder.js';
import { runResearcher, type ResearchResult } from '../agents/researcher.js';
import { retrieveKnowledge } from '../agents/retrieve-knowledge.js';
import { runSources, type Source } from '../agents/sources.js';
import { isGreen, runRepositoryTests, type TestReport } from '../agents/tester.js';
import { isTestFile } from '../sandbox/job-language.js';

export interface RepoPipelineOptions extends BuildPipelineOptions {
  repositories: Repositories;
  /** Who the hand-off commit is by (`repo.author`). */
  author: { name: string; email: string };
  /** Characters of the repository's files the coder is shown (`repo.coder_context_chars`). */
  shownChars: number;
  /** Files of the repository research may cite, at most, and how much of each. */
  citedFiles?: number;
  /** Where installed dependencies are kept, one layer per lockfile; absent: none are installed. */
  dependencyLayers?: DependencyLayers;
  /** Keeps the repository's index (a knowledge base) at the run's commit; absent: no index, research cites files alone. */
  index?: { update(repo: RepoOptions, options: { signal?: AbortSignal }): Promise<RepositoryIndexResult> };
}

/** The patch a repository run leaves as an artifact. */
export const PATCH_ARTIFACT = 'umca.patch';
const LISTED_PATHS = 300;
const CITED_FILE_CHARS = 40_000;

/**
 * A run on a repository: checkout (a worktree of its own at the run's commit) -> planner ->
 * G1 -> research (citing the repository's files as `repo:<path>`) -> G2 -> coder (edits,
 * applied in memory) -> G3 on the diff -> the repository's own test command in the process
 * lane -> back to the coder while tests fail -> hand-off: one commit on `umca/<run-id>` and
 * the patch. Each arrow is a durable step; a coder step checkpoints the whole change, so a
 * resumed run writes the same files again and applies no edit twice.
 */
export function createRepoPipeline(options: RepoPipelineOptions): Pipeline {
  return async (context) => {
    const repo = context.options.repo!;
    const { repositories } = options;
    const { runtime, references, tools } = context.options;
    const runId = context.run.id;
    void context.sandbox.warm('bash', context.sandboxLimits, runtime);
    for (const gate of options.gates?.intake ?? [])
      await context.gate(gate, { spec: context.run.spec, principal: context.principal, models: [context.run.model, ...(options.roleModels ?? [])], egress: [...context.sandboxEgress], runtime, ...(tools ? { tools } : {}) });

    await context.step('checkout', 'repo', async (scope) => {
      const tree = await repositories.worktree(runId, repo);
      scope.emit(
        draft('repo.prepared', 'agent:repo', { step: scope.step, source: repo.source, commit: repo.commit, worktree: tree.dir, files: tree.files, created: tree.created, test_command: repo.testCommand, dirty: repo.dirty ?? false }),
      );
      return { files: tree.files };
    });
    // The repository's code as a knowledge base at the run's commit (reused when it is there
    // already); if the knowledge plane cannot have it, the run goes on without, and says so.
    const index = options.index;
    const indexed = index
      ? await context.step<{ kb: string | null }>('index', 'repo', async (scope) => {
          try {
            const result = await index.update(repo, { signal: scope.signal });
            const { added, updated, unchanged, chunks, failed } = result.report;
            scope.emit(draft('repo.indexed', 'agent:repo', { step: scope.step, kb: result.kb, commit: repo.commit, reused: result.reused, from: result.from, added, updated, unchanged, removed: result.removed, chunks, failed: failed.slice(0, 100) }));
            return { kb: result.kb };
          } catch (error) {
            if (scope.signal.aborted) throw error;
            scope.emit(draft('kb.retrieval', 'agent:repo', { step: scope.step, kb: RepositoryIndex.baseName(repo.source), status: 'unavailable', query_chars: 0, tokens: 0, chunks: [], reason: `the repository could not be indexed: ${(error as Error).message}` }));
            return { kb: null };
          }
        })
      : { kb: null };
    const tree = await editableTree(repositories, repo);

    const limits = { maxRetries: options.maxPlanRetries, maxToolCalls: options.maxToolCalls ?? 0 };
    const planned = await context.step<PlannerResult>('plan', 'agent', (scope) => runPlanner(scope, context.run.spec, limits, describeRepository(repo, tree.paths)));
    const { plan } = planned;
    const repository = { testCommand: repo.testCommand, testFiles: tree.paths.filter(isTestFile).length };
    for (const gate of options.gates?.afterPlan ?? []) await context.gate(gate, { spec: context.run.spec, plan, repository });

    const bases = [...(indexed.kb ? [indexed.kb] : []), ...(context.options.knowledgeBases ?? [])];
    const knowledge = options.knowledge;
    const retrieved = bases.length && knowledge
      ? await context.step<Source[]>('retrieve', 'agent', (scope) =>
          retrieveKnowledge(scope, { bases, query: context.run.spec, search: knowledge.for(context.principal), quotaTokens: options.retrievalTokens?.(context.run.model) ?? 2_048 }),
        )
      : [];
    const repoSources = await citableFiles(tree, plan.files, options.citedFiles ?? 20);
    const given = [...runSources(context.run.spec, references), ...repoSources, ...retrieved, ...(planned.sources ?? [])];
    const research = await context.step<ResearchResult>('research', 'agent', (scope) => runResearcher(scope, { plan, sources: given, ...limits }));
    const { findings } = research;
    const sources = [...given, ...(research.sources ?? [])];
    for (const gate of options.gates?.afterResearch ?? []) await context.gate(gate, { findings, sources });

    const declared = await declaredAtCommit(tree);
    let changeset: Changeset = {};
    let report: TestReport | undefined;
    let turnsBefore = 0;
    let green = false;
    let attempt = 0;
    while (attempt < options.maxCodeAttempts && !green) {
      attempt += 1;
      const previous = changeset;
      const lastReport = report;
      const coded = await context.step<RepoCoderResult>(
        `code#${attempt}`,
        'agent',
        async (scope) => {
          const result = await runRepoCoder(scope, { plan, findings, turnsBefore, repo, tree, previous, ...limits, shownChars: options.shownChars, ...(lastReport ? { report: lastReport } : {}) });
          scope.emit(draft('repo.edited', 'agent:coder', { step: scope.step, attempt, files: result.changes }));
          return result;
        },
        { attempt },
      );
      turnsBefore += coded.turns;
      changeset = coded.changeset;
      const testPlan = await testPlanOf(tree, changeset, repo, context.options.runtime);
      const review = await changeReview(tree, changeset, repo, declared, context, testPlan);
      for (const gate of options.gates?.afterCode ?? []) await context.gate(gate, review, { step: `gate:${gate.id}#${attempt}` });
      const current = changeset;
      report = await context.step<TestReport>(
        `test#${attempt}`,
        'sandbox',
        async (scope) => {
          await repositories.worktree(runId, repo);
          await repositories.materialize(runId, repo, current);
          const files = await repositories.jobFiles(runId, repo, current);
          if (testPlan.lane === 'wasm') {
            const text = Object.fromEntries(testPlan.files.flatMap((path) => (files[path] === undefined ? [] : [[path, Buffer.from(files[path]!).toString('utf8')]])));
            return runRepositoryTests(context, scope, { files: text, tests: testPlan.tests });
          }
          const deps = options.dependencyLayers ? await dependencies(context, scope, options.dependencyLayers, files) : { layers: [] };
          const why = [testPlan.why, deps.why].filter(Boolean).join('; ');
          return runRepositoryTests(context, scope, { files, command: repo.testCommand, why, layers: deps.layers });
        },
        { attempt },
      );
      green = isGreen(report);
    }

    const final = changeset;
    const passed = report?.passed ?? 0;
    if (green) {
      const handoff = await context.step(
        'handoff',
        'repo',
        async (scope) => {
          const head = await context.logHead();
          await repositories.worktree(runId, repo);
          await repositories.materialize(runId, repo, final);
          const made = await repositories.handoff(runId, repo, {
            message: commitMessage(context, repo, head, passed),
            author: options.author,
            date: context.run.created_at,
          });
          await repositories.release(runId, repo);
          scope.emit(
            draft('repo.handoff', 'agent:repo', {
              step: scope.step,
              branch: made.branch,
              commit: made.commit,
              base: repo.commit,
              files: made.files,
              patch: { path: PATCH_ARTIFACT, sha256: sha256(made.patch), size: Buffer.byteLength(made.patch) },
            }),
          );
          return { branch: made.branch, commit: made.commit, patch: made.patch };
        },
        { external: true },
      );
      return { status: 'completed', attempts: attempt, files: [{ path: PATCH_ARTIFACT, content: handoff.patch }] };
    }
    // Tests still failing: no branch; the last attempt's change is the run's patch, for a person to take on.
    const patch = await context.step('release', 'repo', async () => {
      await repositories.worktree(runId, repo);
      await repositories.materialize(runId, repo, final);
      const text = await repositories.patch(runId, repo);
      await repositories.release(runId, repo);
      return text;
    });
    return {
      status: 'failed',
      code: 'tests_failed',
      files: patch ? [{ path: PATCH_ARTIFACT, content: patch }] : [],
      reason: `the repository's tests (${repo.testCommand}) still fail after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${report ? `${report.status} — ${report.message}` : 'no report'}`,
    };
  };
}

/** What the planner is told of the repository: where, which commit, its test command, its files (the first few hundred). */
function describeRepository(repo: RepoOptions, paths: readonly string[]): string {
  const listed = paths.slice(0, LISTED_PATHS).join('\n');
  const more = paths.length > LISTED_PATHS ? `\n[… ${paths.length - LISTED_PATHS} more files]` : '';
  return `The plan changes an existing repository: ${repo.source} at commit ${repo.commit.slice(0, 12)} (${repo.ref}), ${paths.length} files. Its tests run with \`${repo.testCommand}\`. List in "files" the files to change or create. Its files:\n${listed}${more}`;
}

/** The plan's files that exist at the commit, as `repo:<path>` sources research may cite. */
async function citableFiles(tree: Awaited<ReturnType<typeof editableTree>>, paths: readonly string[], max: number): Promise<Source[]> {
  const sources: Source[] = [];
  for (const path of paths.slice(0, max)) {
    if (!tree.entry(path)) continue;
    const file = await tree.read(path);
    if (file && !file.binary) sources.push({ id: `repo:${path}`, content: file.text.slice(0, CITED_FILE_CHARS) });
  }
  return sources;
}

/** Package names the repository's manifests at the commit declare (top level). */
async function declaredAtCommit(tree: Awaited<ReturnType<typeof editableTree>>): Promise<string[]> {
  const names: string[] = [];
  for (const path of tree.paths.filter((p) => p === 'package.json' || /^requirements[\w.-]*\.txt$/.test(p))) {
    const file = await tree.read(path);
    if (!file || file.binary) continue;
    if (path === 'package.json') {
      try {
        const manifest = JSON.parse(file.text) as Record<string, unknown>;
        for (const section of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'])
          if (manifest[section] && typeof manifest[section] === 'object') names.push(...Object.keys(manifest[section] as object));
      } catch {
        // A manifest that does not parse declares nothing here; G3 reports it if the change touches it.
      }
    } else {
      for (const line of file.text.split('\n')) {
        const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line)?.[1];
        if (name) names.push(name.toLowerCase());
      }
    }
  }
  return names;
}

/**
 * The repository's npm dependencies for its tests: the layer made for its lockfile, made now
 * if there is none — `npm ci --ignore-scripts` in the process lane with the run's egress (only
 * where the run is granted every registry host the lockfile names), its node_modules kept on
 * the host and shared read-only by every run with that lockfile. What happened is said in
 * the tests' reason.
 */
async function dependencies(context: RunContext, scope: StepScope, layers: DependencyLayers, files: Record<string, string | Uint8Array>): Promise<{ layers: NonNullable<SandboxJob['layers']>; why?: string }> {
  const text = (path: string) => (files[path] === undefined ? undefined : Buffer.from(files[path]!).toString('utf8'));
  const deps = npmDependencies({ 'package.json': text('package.json'), 'package-lock.json': text('package-lock.json'), 'npm-shrinkwrap.json': text('npm-shrinkwrap.json') }, Object.keys(files));
  if (!deps) return { layers: [] };
  const found = layers.find(deps.key);
  if (found) return { layers: [{ source: found, at: 'node_modules' }], why: `its npm dependencies from the layer made for its lockfile (${deps.key.slice(0, 12)})` };
  const { rules } = parseEgressRules([...context.sandboxEgress]);
  const missing = deps.hosts.filter((hostPort) => {
    const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(':')), Number(hostPort.slice(hostPort.lastIndexOf(':') + 1))];
    return !matchRule(rules, host, port);
  });
  if (missing.length) return { layers: [], why: `its npm dependencies are not installed: the run is not granted egress to ${missing.join(', ')}` };
  const archive = await layers.archivePath(deps.key);
  const install = await runRepositoryTests(context, scope, { files: deps.files, command: NPM_INSTALL, keepWork: archive, why: `installing its npm dependencies from ${Object.keys(deps.files)[1]}` });
  if (install.failed > 0 || install.status !== 'ok') return { layers: [], why: `its npm dependencies could not be installed: ${install.failures[0]?.error ?? install.message}` };
  const made = await layers.make(deps.key, archive, (context.sandboxLimits.diskBytes ?? 64 * 1024 * 1024) * 4);
  return made ? { layers: [{ source: made, at: 'node_modules' }], why: `its npm dependencies installed now (${NPM_INSTALL}), kept for its lockfile (${deps.key.slice(0, 12)})` } : { layers: [], why: 'npm ci left no node_modules' };
}

/**
 * Where this attempt's tests run: plain JavaScript's node:test files in the lane the selector
 * picks, unless the run asked for a process (then, as anything else, the repository's command).
 */
async function testPlanOf(tree: Awaited<ReturnType<typeof editableTree>>, changeset: Changeset, repo: RepoOptions, runtime: RuntimePreference): Promise<RepoTestPlan> {
  if (runtime === 'process' || runtime === 'gvisor') return { lane: 'process', why: `the run asked for ${runtime}` };
  const paths = [...new Set([...tree.paths.filter((p) => changeset[p] !== null), ...Object.keys(changeset).filter((p) => changeset[p] !== null)])];
  return repositoryTestPlan(
    repo,
    paths,
    async (path) => {
      if (path in changeset) return changeset[path] ?? undefined;
      const file = await tree.read(path);
      return file && !file.binary ? file.text : undefined;
    },
    // The sources of a plain-looking package, read in one git process, not one a file.
    (sources) => tree.prefetch(sources.filter((path) => !(path in changeset))),
  );
}

async function changeReview(tree: Awaited<ReturnType<typeof editableTree>>, changeset: Changeset, repo: RepoOptions, declared: string[], context: RunContext, plan: RepoTestPlan): Promise<CodeReviewInput> {
  const before: Record<string, string | null> = {};
  for (const path of Object.keys(changeset)) {
    const file = tree.entry(path) ? await tree.read(path) : undefined;
    before[path] = file && !file.binary ? file.text : null;
  }
  const files = Object.entries(changeset).flatMap(([path, content]) => (content === null ? [] : [{ path, content }]));
  return {
    files,
    change: { before, after: changeset, command: repo.testCommand, declared, ...(plan.lane === 'wasm' ? { tests: plan.tests } : {}) },
    principal: context.principal,
    egress: context.sandboxEgress,
    runtime: context.options.runtime,
    limits: context.sandboxLimits,
  };
}

function commitMessage(context: RunContext, repo: RepoOptions, head: { seq: number; hash: string } | undefined, passed: number): string {
  const title = context.run.spec.split('\n').find((line) => line.trim())?.trim() ?? 'change';
  return [
    `umca: ${title.length > 66 ? `${title.slice(0, 65)}…` : title}`,
    '',
    `Run ${context.run.id}${head ? `, event log head seq ${head.seq} sha256 ${head.hash}` : ''}.`,
    `Tests: \`${repo.testCommand}\`, ${passed} passed.`,
    `Verify: umca verify ${context.run.id}`,
  ].join('\n');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
