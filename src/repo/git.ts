import { execFile } from 'node:child_process';

export interface GitOptions {
  /** The repository (or worktree) git runs in. */
  cwd: string;
  /** Killed past this. Default 60 s. */
  timeoutMs?: number;
  /** The most output kept; more fails the command. Default 64 MiB. */
  maxBytes?: number;
  /** Extra environment (GIT_AUTHOR_DATE…). */
  env?: Record<string, string>;
}

/** A git command that failed: its first line of stderr, and the command, for the message. */
export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(`git ${args.filter((a) => !a.startsWith('-c')).slice(0, 3).join(' ')}: ${firstLine(stderr) || `exited with status ${exitCode}`}`);
  }
}

/**
 * Settings every git umca runs carries, whatever the repository's own config says: no hooks
 * (a repository's hooks are its owner's code, not umca's to run), no fsmonitor command, no
 * prompts for credentials, no pager, and no system-wide config.
 */
const SAFE_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'core.pager=cat', '-c', 'advice.detachedHead=false', '-c', 'init.defaultBranch=main'];

function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/nonexistent',
    LANG: 'C',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_ASKPASS: 'true',
    GIT_OPTIONAL_LOCKS: '0',
    ...extra,
  };
}

/** Runs git with arguments (never a shell) and returns its stdout as text. */
export function git(args: readonly string[], options: GitOptions): Promise<string> {
  return gitBytes(args, options).then((bytes) => bytes.toString('utf8'));
}

/** Runs git and returns its stdout as bytes (file contents, `-z` listings). */
export function gitBytes(args: readonly string[], options: GitOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...SAFE_CONFIG, ...args],
      { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, maxBuffer: options.maxBytes ?? 64 * 1024 * 1024, encoding: 'buffer', env: environment(options.env), windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const code = typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null;
        const text = stderr.toString('utf8') || ((error as { killed?: boolean }).killed ? `timed out after ${options.timeoutMs ?? 60_000} ms` : error.message);
        reject(new GitError(args, text, code));
      },
    );
  });
}

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim() && !line.startsWith('hint:')) ?? '').replace(/^(fatal|error): /, '').trim();
}
