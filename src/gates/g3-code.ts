import { runtimeResource } from '../policy/runtime-resource.js';
import type { CodeFile } from '../agents/code-files.js';
import type { RuntimePreference } from '../core/run-options.js';
import type { Gate, GateContext, GateVerdict } from '../engine/gate.js';
import type { Principal } from '../core/principal.js';
import type { PolicyEngine } from '../policy/policy-engine.js';
import { parseEgressRules } from '../core/egress-rules.js';
import { languageOfPath } from '../sandbox/job-language.js';
import type { LaneChoice, LaneSelector } from '../sandbox/lane-selector.js';
import { changeRisk, reviewRepoChange, type RepoChangeReview } from './code-checks/repo-change.js';
export type { RepoChangeReview } from './code-checks/repo-change.js';
import type { SandboxLimits } from '../sandbox/sandbox-lane.js';
import { askPolicy } from './ask-policy.js';
import { analyseFiles } from './code-checks/analyse-files.js';
import { declaredDependencies } from './code-checks/declared-dependencies.js';
import { findForbiddenApis } from './code-checks/forbidden-apis.js';
import { thirdPartyImports } from './code-checks/third-party-imports.js';
import { listed, verdictOf, type Evaluation } from './evaluation.js';
import { findSecrets } from './spec-content.js';

export interface CodeReviewInput {
  /** The files to judge: a build's new files, or a repository change's files as they now are. */
  files: CodeFile[];
  /** Set for a run on a repository: the change is judged, not the files alone (see reviewRepoChange). */
  change?: RepoChangeReview;
  principal: Principal;
  /** The network the run's tests are granted. */
  egress: readonly string[];
  runtime: RuntimePreference;
  limits: SandboxLimits;
}

export interface G3Options {
  policy: PolicyEngine;
  /** Predicts the lane the tests will get, as the tester will choose it. */
  sandbox: LaneSelector;
  threshold: number;
  /** Third-party packages allowed, each with its licence (SPDX id). */
  dependencies: Readonly<Record<string, { license: string }>>;
  allowedLicenses: readonly string[];
}


/**
 * G3 architecture & security, after each coder attempt and before its tests run: static
 * checks on the generated code — forbidden APIs for the runtime (parsed, not grepped),
 * hard-coded secrets, imports outside the dependency allow-list, declared dependencies and
 * their licences — and policy's say on the lane the tests will run in and the network
 * they are granted (hard: a denial blocks at any threshold).
 */
export class G3CodeGate implements Gate<CodeReviewInput> {
  readonly id = 'g3-code';

  constructor(private readonly options: G3Options) {}

  async evaluate(input: CodeReviewInput, context: GateContext): Promise<GateVerdict> {
    const evaluations: Evaluation[] = [];
    const tests = input.change?.tests;
    const job = {
      // A repository's plain node:test files are the job (their content does not choose the lane); else its command.
      files: tests ? Object.fromEntries(tests.map((path) => [path, ''])) : Object.fromEntries(input.files.map((f) => [f.path, f.content])),
      limits: input.limits,
      ...(tests ? { tests } : input.change ? { command: input.change.command } : {}),
      ...(input.egress.length ? { egress: { allowedOutboundHosts: [...input.egress] } } : {}),
    };
    const choice = this.options.sandbox.select({ job, runtime: input.runtime });
    if (input.change) {
      evaluations.push(...reviewRepoChange(input.change, { lane: choice.ok ? choice.lane.name : undefined, egress: input.egress.length > 0, allowed: this.options.dependencies, allowedLicenses: this.options.allowedLicenses }));
      const risk = changeRisk(input.change);
      const accepted = await askPolicy(this.options.policy, context, {
        gate: this.id,
        id: 'risk',
        principal: input.principal,
        action: 'accept-change',
        resource: { type: 'Change', id: context.step, attrs: { risk: risk.risk, files: risk.files, lines: risk.lines } },
      });
      evaluations.push({ ...accepted, id: 'risk', reason: `risk ${risk.risk} of 100 (${risk.why}): ${accepted.reason}` });
      evaluations.push(...(await this.#lanePolicy(input, context, choice)));
      return verdictOf(evaluations, this.options.threshold);
    }
    const language = choice.ok ? choice.language : dominantLanguage(input.files);
    const lane = choice.ok ? choice.lane.name : undefined;

    const facts = analyseFiles(input.files);
    const apis = findForbiddenApis(facts, { language, lane, egress: input.egress.length > 0 });
    evaluations.push(
      apis.length
        ? { id: 'forbidden-apis', score: Math.min(...apis.map((f) => f.score)), reason: `forbidden APIs: ${listed(apis.map((f) => `${f.file}:${f.line} ${f.api} ${f.why}`))}` }
        : { id: 'forbidden-apis', score: 1, reason: `no forbidden API for ${lane ?? language}` },
    );
    if (facts.unreadable.length)
      evaluations.push({ id: 'parse', score: 0.5, reason: `could not analyse ${listed(facts.unreadable.map((u) => `${u.file}:${u.line} (${u.message})`))}; its tests will show the error` });

    const secrets = input.files.flatMap((file) => findSecrets(file.content).map((s) => `${file.path}:${s.line} ${s.name}`));
    evaluations.push(
      secrets.length
        ? { id: 'secrets', score: 0, reason: `hard-coded secrets: ${listed(secrets)}; read them from configuration instead` }
        : { id: 'secrets', score: 1, reason: 'no hard-coded secrets found' },
    );

    const allowed = this.options.dependencies;
    const imported = [...thirdPartyImports(facts, language, input.files.map((f) => f.path))].filter(([name]) => !allowed[name]);
    evaluations.push(
      imported.length
        ? { id: 'dependencies', score: 0, reason: `imports outside the allow-list (gates.g3.dependencies): ${listed(imported.map(([name, at]) => `${name} (${at.file}:${at.line})`))}` }
        : { id: 'dependencies', score: 1, reason: 'imports only the standard library, the job\'s own files and allowed packages' },
    );

    const declared = declaredDependencies(input.files);
    const licenceProblems = [...declared.problems];
    for (const dependency of declared.dependencies) {
      const entry = allowed[dependency.name];
      if (!entry) licenceProblems.push(`${dependency.name} (${dependency.file}) is not on the allow-list (gates.g3.dependencies), so its licence is unknown`);
      else if (!this.options.allowedLicenses.includes(entry.license)) licenceProblems.push(`${dependency.name} (${dependency.file}) is ${entry.license}, not an allowed licence (gates.g3.allowed_licenses)`);
    }
    evaluations.push(
      licenceProblems.length
        ? { id: 'licenses', score: 0, reason: `declared dependencies: ${listed(licenceProblems)}` }
        : { id: 'licenses', score: 1, reason: declared.dependencies.length ? `every declared dependency has an allowed licence` : 'no dependencies declared' },
    );

    evaluations.push(...(await this.#lanePolicy(input, context, choice)));
    return verdictOf(evaluations, this.options.threshold);
  }

  /** Policy's say on the lane the tests will run in and the network they are granted (hard). */
  async #lanePolicy(input: CodeReviewInput, context: GateContext, choice: LaneChoice): Promise<Evaluation[]> {
    const evaluations: Evaluation[] = [];
    const ask = (id: string, action: 'use-runtime' | 'egress', resource: Parameters<typeof askPolicy>[2]['resource']) =>
      askPolicy(this.options.policy, context, { gate: this.id, id, principal: input.principal, action, resource });
    if (choice.ok) {
      const runtime = await ask(`runtime:${choice.lane.name}`, 'use-runtime', runtimeResource(choice.lane.name));
      evaluations.push({ ...runtime, reason: `${runtime.reason}; chosen because: ${choice.reason}` });
      if (!choice.lane.name.startsWith('wasm')) {
        for (const rule of parseEgressRules([...input.egress]).rules) {
          const id = `${rule.host}:${rule.port ?? '*'}`;
          evaluations.push(await ask(`egress:${id}`, 'egress', { type: 'Host', id, attrs: { host: rule.host, port: rule.port ?? 0 } }));
        }
      }
    } else if (choice.code !== 'bad_job') {
      evaluations.push({ id: 'runtime', score: 0, reason: choice.message, hard: true });
    }
    return evaluations;
  }
}


/** A job the selector cannot place (no tests yet) is still checked in the language most of its files are in. */
function dominantLanguage(files: readonly CodeFile[]): 'javascript' | 'python' | 'bash' {
  const counts = new Map<string, number>();
  for (const file of files) {
    const language = languageOfPath(file.path);
    if (language) counts.set(language, (counts.get(language) ?? 0) + 1);
  }
  return ([...counts].sort((a, b) => b[1] - a[1])[0]?.[0] as 'javascript' | 'python' | 'bash' | undefined) ?? 'javascript';
}
