import { structuredPatch } from 'diff';
import { languageOfPath } from '../../sandbox/job-language.js';
import { findSecrets } from '../spec-content.js';
import { listed, type Evaluation } from '../evaluation.js';
import { analyseFiles } from './analyse-files.js';
import { riskOf, weakenedTests, type ChangeRisk } from './change-review.js';
import type { CodeFacts } from './code-facts.js';
import { declaredDependencies } from './declared-dependencies.js';
import { findForbiddenApis, type ApiFinding } from './forbidden-apis.js';
import { thirdPartyImports } from './third-party-imports.js';

/** A run's change to a repository, for G3. */
export interface RepoChangeReview {
  /** Each changed path at the run's commit (null: absent, or not text) and now (null: deleted). */
  before: Record<string, string | null>;
  after: Record<string, string | null>;
  /** The repository's test command: the job its tests will be. */
  command: string;
  /** Set when its tests run as test files instead (plain JavaScript, node:test: the wasm-js lane). */
  tests?: string[];
  /** Packages the repository declared at its commit: importing one is not a new dependency. */
  declared: string[];
}

interface ChangeRules {
  lane: string | undefined;
  egress: boolean;
  allowed: Readonly<Record<string, { license: string }>>;
  allowedLicenses: readonly string[];
}

/**
 * G3 on a diff: what the change ADDS — forbidden APIs, secrets, imports of packages the
 * repository did not depend on, declared dependencies and their licences — and the tests
 * it deletes or weakens (a block an operator may override). What the repository already
 * had is not the run's doing and is not held against it.
 */
export function reviewRepoChange(review: RepoChangeReview, rules: ChangeRules): Evaluation[] {
  const evaluations: Evaluation[] = [];
  const after = files(review.after);
  const before = files(review.before);
  const newFacts = analyseFiles(after);
  const oldFacts = analyseFiles(before);

  const apiFindings = (facts: CodeFacts, language: 'javascript' | 'python') =>
    findForbiddenApis({ ...facts, imports: facts.imports.filter((i) => languageOfPath(i.file) === language), uses: facts.uses.filter((u) => languageOfPath(u.file) === language) }, { language, lane: rules.lane, egress: rules.egress });
  const added: ApiFinding[] = [];
  for (const language of ['javascript', 'python'] as const) {
    const had = tally(apiFindings(oldFacts, language).map((f) => `${f.file}\0${f.api}`));
    for (const finding of apiFindings(newFacts, language)) {
      const key = `${finding.file}\0${finding.api}`;
      if ((had.get(key) ?? 0) > 0) had.set(key, had.get(key)! - 1);
      else added.push(finding);
    }
  }
  evaluations.push(
    added.length
      ? { id: 'forbidden-apis', score: Math.min(...added.map((f) => f.score)), reason: `the change adds forbidden APIs: ${listed(added.map((f) => `${f.file}:${f.line} ${f.api} ${f.why}`))}` }
      : { id: 'forbidden-apis', score: 1, reason: `the change adds no forbidden API for ${rules.lane ?? 'its lane'}` },
  );
  if (newFacts.unreadable.length)
    evaluations.push({ id: 'parse', score: 0.5, reason: `could not analyse ${listed(newFacts.unreadable.map((u) => `${u.file}:${u.line} (${u.message})`))}; its tests will show the error` });

  const secrets: string[] = [];
  for (const file of after) {
    const had = tally(findSecrets(review.before[file.path] ?? '').map((s) => s.name));
    for (const secret of findSecrets(file.content)) {
      if ((had.get(secret.name) ?? 0) > 0) had.set(secret.name, had.get(secret.name)! - 1);
      else secrets.push(`${file.path}:${secret.line} ${secret.name}`);
    }
  }
  evaluations.push(
    secrets.length ? { id: 'secrets', score: 0, reason: `the change adds hard-coded secrets: ${listed(secrets)}; read them from configuration instead` } : { id: 'secrets', score: 1, reason: 'the change adds no hard-coded secret' },
  );

  const declaredAfter = declaredDependencies(after);
  const known = new Set([...review.declared, ...declaredDependencies(before).dependencies.map((d) => d.name)]);
  const imported: string[] = [];
  for (const language of ['javascript', 'python'] as const) {
    const paths = Object.keys(review.after);
    const old = thirdPartyImports(oldFacts, language, paths);
    for (const [name, at] of thirdPartyImports(newFacts, language, paths)) {
      if (old.has(name) || known.has(name) || rules.allowed[name] || declaredAfter.dependencies.some((d) => d.name === name)) continue;
      imported.push(`${name} (${at.file}:${at.line})`);
    }
  }
  evaluations.push(
    imported.length
      ? { id: 'dependencies', score: 0, reason: `the change imports packages the repository does not depend on: ${listed(imported)}` }
      : { id: 'dependencies', score: 1, reason: 'the change imports nothing the repository did not already depend on' },
  );

  const licenceProblems = [...declaredAfter.problems];
  const newlyDeclared = declaredAfter.dependencies.filter((d) => !known.has(d.name));
  for (const dependency of newlyDeclared) {
    const entry = rules.allowed[dependency.name];
    if (!entry) licenceProblems.push(`${dependency.name} (added to ${dependency.file}) is not on the allow-list (gates.g3.dependencies), so its licence is unknown`);
    else if (!rules.allowedLicenses.includes(entry.license)) licenceProblems.push(`${dependency.name} (added to ${dependency.file}) is ${entry.license}, not an allowed licence (gates.g3.allowed_licenses)`);
  }
  evaluations.push(
    licenceProblems.length
      ? { id: 'licenses', score: 0, reason: `dependencies added: ${listed(licenceProblems)}` }
      : { id: 'licenses', score: 1, reason: newlyDeclared.length ? `every dependency added has an allowed licence: ${newlyDeclared.map((d) => d.name).join(', ')}` : 'the change adds no dependency' },
  );

  const weakened = weakenedTests(review);
  evaluations.push(
    weakened.length
      ? { id: 'tests', score: 0, reason: `the change deletes or weakens tests: ${listed(weakened.map((w) => `${w.file} ${w.what}`))}; fix the code instead (an operator may override)` }
      : { id: 'tests', score: 1, reason: 'no test is deleted or weakened' },
  );
  return evaluations;
}

/** The change's risk from its diff (see riskOf). */
export function changeRisk(review: RepoChangeReview): ChangeRisk {
  const lines: Record<string, number> = {};
  const diff: string[] = [];
  for (const [path, content] of Object.entries(review.after)) {
    const patch = structuredPatch(path, path, review.before[path] ?? '', content ?? '', '', '', { context: 0 });
    const changed = patch.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('+') || l.startsWith('-')));
    lines[path] = changed.length;
    diff.push(...changed);
  }
  return riskOf(review, lines, diff);
}

function files(contents: Record<string, string | null>): Array<{ path: string; content: string }> {
  return Object.entries(contents).flatMap(([path, content]) => (content === null ? [] : [{ path, content }]));
}


function tally(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}
