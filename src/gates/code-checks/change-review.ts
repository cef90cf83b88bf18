import { isTestFile } from '../../sandbox/job-language.js';

/** A change to a repository, as G3 sees it: each changed path before and after. */
export interface RepoChangeFacts {
  /** Content at the run's commit per changed path; null where the path was absent (or not text). */
  before: Readonly<Record<string, string | null>>;
  /** Content after the change; null for a deleted file. */
  after: Readonly<Record<string, string | null>>;
}

export interface TestWeakening {
  file: string;
  what: string;
}

const TEST_CASE = /\b(?:test|it)(?:\.each\([^)]*\))?\s*\(|^\s*(?:async\s+)?def\s+test_\w*|^\s*func\s+Test\w*\(|#\[test\]/gm;
const ASSERTION = /\bassert\w*\s*[.(]|\bexpect\s*\(|\bself\.assert\w+\s*\(|^\s*assert\s|\bt\.(?:Error|Fatal|Fail)\w*\s*\(/gm;
const SKIPPING = /\.(?:skip|todo)\s*\(|\{\s*skip\s*:\s*true|@(?:pytest\.mark\.skip|unittest\.skip)\w*|\bt\.Skip\s*\(|#\[ignore\]|\bxit\s*\(|\bxdescribe\s*\(/g;
const PUBLIC_SYMBOL = /^[+-]\s*(?:export\s+(?:default\s+)?(?:async\s+)?(?:function|class|const|let|var|interface|type|enum)\s+\w+|(?:async\s+)?def\s+[a-zA-Z]\w*|class\s+[A-Z]\w*|func\s+[A-Z]\w*|pub\s+(?:fn|struct|enum|trait)\s+\w+)/;

const count = (text: string | null | undefined, pattern: RegExp) => (text ? [...text.matchAll(pattern)].length : 0);

/**
 * Tests a change deletes or weakens: a test file removed, fewer test cases or assertions
 * than before, a test newly skipped. Renaming a test file counts its tests where they went.
 */
export function weakenedTests(change: RepoChangeFacts): TestWeakening[] {
  const found: TestWeakening[] = [];
  const paths = Object.keys(change.after);
  const addedTests = paths.filter((p) => isTestFile(p) && change.before[p] == null && change.after[p] != null);
  for (const path of paths.filter(isTestFile)) {
    const before = change.before[path];
    const after = change.after[path];
    if (before == null) continue;
    if (after === null) {
      // A rename moves a file's tests: a new test file holding as many is where they went.
      const moved = addedTests.some((p) => count(change.after[p], TEST_CASE) >= count(before, TEST_CASE));
      if (!moved) found.push({ file: path, what: `deletes the test file (${count(before, TEST_CASE)} tests)` });
      continue;
    }
    const [casesBefore, casesAfter] = [count(before, TEST_CASE), count(after, TEST_CASE)];
    if (casesAfter < casesBefore) found.push({ file: path, what: `removes ${casesBefore - casesAfter} of its ${casesBefore} tests` });
    const [assertsBefore, assertsAfter] = [count(before, ASSERTION), count(after, ASSERTION)];
    if (assertsAfter < assertsBefore) found.push({ file: path, what: `removes ${assertsBefore - assertsAfter} of its ${assertsBefore} assertions` });
    const skipped = count(after, SKIPPING) - count(before, SKIPPING);
    if (skipped > 0) found.push({ file: path, what: `skips ${skipped} more test${skipped === 1 ? '' : 's'}` });
  }
  return found;
}

export interface ChangeRisk {
  /** 0 (trivial) to 100. */
  risk: number;
  files: number;
  lines: number;
  /** Public symbols (exported, top-level) whose definition lines the change adds or removes. */
  symbols: number;
  /** Dependency manifests and build files changed. */
  manifests: number;
  why: string;
}

const MANIFEST = /(^|\/)(package\.json|package-lock\.json|pnpm-lock\.yaml|yarn\.lock|requirements[\w.-]*\.txt|pyproject\.toml|setup\.(py|cfg)|go\.(mod|sum)|Cargo\.(toml|lock)|Makefile|Dockerfile|\.github\/workflows\/[^/]+)$/;

/**
 * A diff's risk, from what it touches: files (5 each), changed lines (1 per 10), public
 * symbols defined or removed (5 each), manifests and build files (15 each), capped at 100.
 * `lines` per path comes from the edit's own count (added + removed).
 */
export function riskOf(change: RepoChangeFacts, linesByPath: Readonly<Record<string, number>>, diffLines: readonly string[]): ChangeRisk {
  const files = Object.keys(change.after).length;
  const lines = Object.values(linesByPath).reduce((sum, n) => sum + n, 0);
  const symbols = diffLines.filter((line) => PUBLIC_SYMBOL.test(line)).length;
  const manifests = Object.keys(change.after).filter((p) => MANIFEST.test(p)).length;
  const risk = Math.min(100, Math.round(files * 5 + lines / 10 + symbols * 5 + manifests * 15));
  return { risk, files, lines, symbols, manifests, why: `${files} file${files === 1 ? '' : 's'}, ${lines} lines, ${symbols} public symbol${symbols === 1 ? '' : 's'}, ${manifests} manifest${manifests === 1 ? '' : 's'}` };
}
