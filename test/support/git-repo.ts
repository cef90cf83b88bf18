import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Runs git in `dir` as a test's user would (with an identity, without hooks). */
export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Writes files under `dir` (creating folders). */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** A new git repository holding `files` in one commit on `main`; returns its path. */
export function makeRepo(files: Record<string, string | Uint8Array>, message = 'initial'): string {
  const dir = mkdtempSync(join(tmpdir(), 'umca-repo-'));
  gitIn(dir, 'init', '-q');
  writeFiles(dir, files);
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', message);
  return dir;
}

/** What a user would see of a repository: its branches with their commits, its status, its HEAD. */
export function repoState(dir: string): { branches: string; status: string; head: string } {
  return {
    branches: gitIn(dir, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads'),
    status: gitIn(dir, 'status', '--porcelain'),
    head: gitIn(dir, 'rev-parse', 'HEAD').trim(),
  };
}
