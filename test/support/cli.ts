import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
// Resolved here, so the child finds tsx whatever its working dir.
const TSX = import.meta.resolve('tsx');

/**
 * The CLI as tests start it: the build (`npm test` builds first) when it is newer than every
 * source file, else the sources through tsx, so a test run right after an edit never tests
 * stale code. The build starts in a third of the time, which adds up over many spawns.
 */
const CLI_ARGS = isBuildFresh() ? [BUILT] : ['--import', TSX, MAIN];

function isBuildFresh(): boolean {
  if (!existsSync(BUILT)) return false;
  const built = statSync(BUILT).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? newest(path) : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? statSync(path).mtimeMs : 0;
    }));
  return newest(fileURLToPath(new URL('../../src/', import.meta.url))) <= built;
}

/** The arguments of `node` that start the CLI (for a client that spawns it itself, e.g. an MCP client). */
export function cliArgs(...args: string[]): string[] {
  return [...CLI_ARGS, ...args];
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A scratch dir to run the CLI in, with its own UMCA_HOME. */
export function scratch(): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = mkdtempSync(join(tmpdir(), 'umca-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, UMCA_HOME: join(cwd, '.umca'), NO_COLOR: '1' };
  delete env.UMCA_DATABASE_URL;
  return { cwd, env };
}

/** Starts `umca ARGS` as a user would run it. */
export function startCli(args: string[], where: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: where.cwd, env: where.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[], where: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliResult> {
  return collect(startCli(args, where));
}

/** Runs the built bin (`dist/cli/main.js`, what `npx umca` runs) with plain node. */
export function runBuilt(bin: string, args: string[], where: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliResult> {
  return collect(spawn(process.execPath, [bin, ...args], { cwd: where.cwd, env: where.env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Resolves with the first line on `stream` (stdout unless told) that satisfies `match`. */
export function waitForLine(child: ChildProcess, match: (line: string) => boolean, timeoutMs = 30_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no matching line within ${timeoutMs} ms; saw: ${buffer.slice(-500)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (match(line)) {
          clearTimeout(timer);
          child[stream]!.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child[stream]!.on('data', onData);
  });
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
