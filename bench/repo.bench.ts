// npm run bench:repo — preparing a run on a repository of 10,000 files, against `git worktree
// add` alone on the same repository, side by side in one run (each measured BENCH_REPEATS
// times, alternating, medians compared). What umca's preparation does beyond the worktree:
// the checks at the door (the ref pinned, the tree listed for the size limits and the test
// command, `git status` for a dirty tree) and, at a test step, writing the change over the
// worktree and reading its files for the sandbox job.
// Then the repository's index (a BM25 knowledge base, docs/repositories.md): built from
// nothing once, then reused by a run at the same commit.
// Must (issue 16): worktree + index ready <= 3x `git worktree add`; re-running on an unchanged
// repository reuses the index (<= 0.2x the first time).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeUmca } from '../src/composition.js';
import { parseConfig } from '../src/core/load-config.js';
import { GitRepositories } from '../src/repo/git-repositories.js';
import { RepositoryIndex } from '../src/services/repository-index.js';

const FILES = Number(process.env.BENCH_REPO_FILES ?? 10_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(0)} ms`;

const root = mkdtempSync(join(tmpdir(), 'umca-bench-repo-'));
const repo = join(root, 'repo');
mkdirSync(repo);
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
git('init', '-q');
for (let i = 0; i < FILES; i += 1) {
  const dir = join(repo, 'src', `m${Math.floor(i / 100)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `f${i}.js`), `// module ${i}\nexport function f${i}(x) {\n  return x + ${i};\n}\n\nexport const name${i} = 'item ${i}';\n`);
}
writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'bench', scripts: { test: 'node --test' } }));
git('add', '-A');
git('commit', '-qm', 'bench');
console.log(`repository: ${FILES + 1} files`);

const repositories = new GitRepositories({ home: join(root, 'home'), maxFiles: 1_000_000, maxBytes: 4 * 1024 ** 3, cloneTimeoutMs: 600_000 });
const bare: number[] = [];
const prepared: number[] = [];
const testStep: number[] = [];
// Written files are flushed before each measurement (sync), so one side does not pay for the
// other's writeback; the two alternate which goes first.
const settle = () => execFileSync('sync');
for (let round = 0; round < REPEATS; round += 1) {
  const plainFirst = round % 2 === 0;
  const plain = async () => {
    const dir = join(root, `plain-${round}`);
    settle();
    const started = performance.now();
    git('worktree', 'add', '--detach', '-q', dir, 'HEAD');
    bare.push(performance.now() - started);
    git('worktree', 'remove', '--force', dir);
  };
  const runId = `bench-${round}`;
  if (plainFirst) await plain();
  settle();
  let started = performance.now();
  const pinned = await repositories.resolve({ source: repo });
  await repositories.worktree(runId, pinned);
  prepared.push(performance.now() - started);

  settle();
  started = performance.now();
  const change = { 'src/m0/f0.js': 'export function f0(x) {\n  return x;\n}\n' };
  await repositories.materialize(runId, pinned, change);
  await repositories.jobFiles(runId, pinned, change);
  testStep.push(performance.now() - started);
  await repositories.release(runId, pinned);
  if (!plainFirst) await plain();
}

// The index, as a run's `index` step makes it: the first run builds it, the next reuses it.
const umca = await composeUmca(parseConfig({ home: join(root, 'umca-home') }));
const index = new RepositoryIndex({ knowledge: umca.knowledge, store: umca.store.knowledge, repositories, maxFileBytes: umca.config.knowledge.max_document_bytes });
const pinned = await repositories.resolve({ source: repo });
settle();
let started = performance.now();
const built = await index.update(pinned);
const firstIndexMs = performance.now() - started;
const reuses: number[] = [];
for (let round = 0; round < REPEATS; round += 1) {
  started = performance.now();
  const again = await index.update(pinned);
  reuses.push(performance.now() - started);
  if (!again.reused) throw new Error('the index was not reused at the same commit');
}
await umca.close();

const ratio = median(prepared) / median(bare);
const withIndex = (median(prepared) + firstIndexMs) / median(bare);
const reused = (median(prepared) + median(reuses)) / (median(prepared) + firstIndexMs);
console.log(`git worktree add alone:             median ${ms(median(bare))} (${bare.map(ms).join(', ')})`);
console.log(`umca: checks at the door + worktree: median ${ms(median(prepared))} (${prepared.map(ms).join(', ')})`);
console.log(`umca: a test step's change written + files read: median ${ms(median(testStep))}`);
console.log(`index built from nothing: ${ms(firstIndexMs)} (${built.report.added} files, ${built.report.chunks} chunks: ${(built.report.chunks / (firstIndexMs / 1000)).toFixed(0)} chunks/s)`);
console.log(`index reused at the same commit: median ${median(reuses).toFixed(1)} ms`);
console.log(`ratio (checks + worktree / git worktree add): ${ratio.toFixed(2)}`);
console.log(`ratio (checks + worktree + index built / git worktree add): ${withIndex.toFixed(2)} (must <= 3)`);
console.log(`ratio (the index at a re-run on the unchanged repository / built): ${(median(reuses) / firstIndexMs).toFixed(4)} (must <= 0.2)`);
console.log(`ratio (a re-run's whole preparation / the first's): ${reused.toFixed(2)} (its worktree is made again each run)`);
rmSync(root, { recursive: true, force: true });
