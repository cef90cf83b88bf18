import { parse } from '@babel/parser';
import picomatch from 'picomatch';
import type { RepoOptions } from '../core/run-options.js';

/**
 * Where a repository's tests run: its own command in the process lane (a real toolchain), or,
 * for plain JavaScript/TypeScript whose tests are node:test, the test files themselves in the
 * wasm-js lane — the lane the shipped policies give every runner, and the fastest one.
 */
export type RepoTestPlan = { lane: 'wasm'; tests: string[]; files: string[] } | { lane: 'process'; why: string };

/** The files `node --test` runs when it is given none (Node 20's patterns). */
const NODE_TEST_PATTERNS = ['**/*.test.?(c|m)js', '**/*-test.?(c|m)js', '**/*_test.?(c|m)js', '**/test-*.?(c|m)js', '**/test.?(c|m)js', '**/test/**/*.?(c|m)js'];
const SOURCE = /\.(?:[cm]?[jt]s|jsx|tsx)$/;
const WASM_MODULES = new Set(['node:test', 'node:assert', 'node:assert/strict', 'assert', 'assert/strict']);
/** More than this goes to the process lane: the wasm-js lane holds a job's files in memory. */
const MAX_WASM_FILES = 2_000;
const MAX_WASM_BYTES = 16 * 1024 * 1024;

/**
 * The plan for the repository as it now is (`read` gives each file's current text). Plain
 * means: the test command is `node --test` (directly or as package.json's `scripts.test`
 * run by `npm test`), the package declares no dependencies, and every source file is an ES
 * module that imports only other files of the repository and node:test / node:assert — no
 * `require`, no other Node API, no package.
 */
export async function repositoryTestPlan(
  repo: RepoOptions,
  paths: readonly string[],
  read: (path: string) => Promise<string | undefined>,
  /** Reads these ahead of the pass over them (many files at once), when a package looks plain so far. */
  prefetch?: (paths: readonly string[]) => Promise<void>,
): Promise<RepoTestPlan> {
  const manifest = paths.includes('package.json') ? parseJson(await read('package.json')) : undefined;
  const script = repo.testCommand === 'npm test' ? stringAt(manifest, 'scripts', 'test') : repo.testCommand;
  const args = script?.trim().match(/^node\s+--test((?:\s+[\w./*-]+)*)$/);
  if (!args) return { lane: 'process', why: `the test command (${repo.testCommand}) is not node --test` };
  for (const section of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const entries = manifest && typeof manifest === 'object' ? (manifest as Record<string, unknown>)[section] : undefined;
    if (entries && typeof entries === 'object' && Object.keys(entries).length > 0) return { lane: 'process', why: `package.json declares ${section}` };
  }
  const sources = paths.filter((path) => SOURCE.test(path) && !path.split('/').includes('node_modules'));
  if (sources.length > MAX_WASM_FILES) return { lane: 'process', why: `${sources.length} source files, more than the wasm-js lane takes (${MAX_WASM_FILES})` };
  await prefetch?.(sources);
  let bytes = 0;
  for (const path of sources) {
    const text = await read(path);
    if (text === undefined) continue;
    bytes += text.length;
    if (bytes > MAX_WASM_BYTES) return { lane: 'process', why: 'its sources are larger than the wasm-js lane takes' };
    const problem = notPlain(path, text);
    if (problem) return { lane: 'process', why: `${path} ${problem}` };
  }
  const named = args[1]!.trim().split(/\s+/).filter(Boolean);
  const matchers = (named.length ? named.map((arg) => (arg.includes('*') ? arg : [arg, `${arg.replace(/\/$/, '')}/**/*.?(c|m)js`])).flat() : NODE_TEST_PATTERNS).map((glob) => picomatch(glob, { dot: false }));
  const tests = sources.filter((path) => /\.[cm]?js$/.test(path) && matchers.some((match) => match(path)));
  if (tests.length === 0) return { lane: 'process', why: 'node --test would find no test file in it' };
  return { lane: 'wasm', tests, files: [...sources, ...paths.filter((path) => path.endsWith('.json') && !path.split('/').includes('node_modules'))] };
}

/** Why a source file needs a real Node.js, or undefined when it is a plain ES module. */
function notPlain(path: string, text: string): string | undefined {
  let program: { body: Array<{ type: string; source?: { value: string } | null }> };
  try {
    program = (parse(text, { sourceType: 'module', errorRecovery: false, plugins: /\.[cm]?tsx?$/.test(path) ? [['typescript', {}], ...(path.endsWith('x') ? (['jsx'] as const) : [])] : ['jsx'] }) as unknown as { program: typeof program }).program;
  } catch {
    return 'does not parse as an ES module';
  }
  for (const statement of program.body) {
    const source = statement.source?.value;
    if (source === undefined) continue;
    if (!source.startsWith('.') && !WASM_MODULES.has(source)) return `imports ${source}`;
  }
  if (/\brequire\s*\(|\bimport\s*\(/.test(text)) return 'loads modules at run time (require or import())';
  if (/\bprocess\s*\.|\b__dirname\b|\b__filename\b|\bBuffer\s*\./.test(text)) return "uses Node.js's own globals";
  return undefined;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stringAt(value: unknown, ...keys: string[]): string | undefined {
  let at = value;
  for (const key of keys) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return typeof at === 'string' ? at : undefined;
}
