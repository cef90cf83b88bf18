import type { RepoOptions } from '../core/run-options.js';
import type { Changeset } from './changeset.js';

/** A repository as a caller names it, before it is checked. */
export interface RepositoryRequest {
  /** An absolute local path inside a git repository, or an http(s) URL to clone. */
  source: string;
  /** A branch, tag or commit. Default `HEAD`. */
  ref?: string;
  /** The command that runs its tests; default: detected from the repository. */
  testCommand?: string;
}

/** A run's own checkout: a git worktree at the run's commit, apart from the user's. */
export interface Worktree {
  /** Where it is on this host. */
  dir: string;
  /** Files at the run's commit. */
  files: number;
  /** Whether it was made now (false: a resumed run found it). */
  created: boolean;
}

/** What the run hands back. */
export interface Handoff {
  branch: string;
  commit: string;
  /** `git diff --binary` from the run's commit to the branch's. */
  patch: string;
  files: number;
}

/**
 * Repositories runs work on. `resolve` checks and pins one at the door (before any model is
 * called); the rest act on the run's worktree, each idempotent so a resumed run can repeat it.
 */
export interface Repositories {
  /** Checks a repository a run names: it exists, its ref names a commit, it is within the size limits, it has a test command. Throws a 4xx UmcaError naming the field. */
  resolve(request: RepositoryRequest): Promise<RepoOptions>;
  /** The run's worktree at its commit, made if it is not there yet. */
  worktree(runId: string, repo: RepoOptions): Promise<Worktree>;
  /** The worktree's files (its commit with the changeset written over it), for a sandbox job; bounded by the size limits. Links and submodules are left out. */
  jobFiles(runId: string, repo: RepoOptions, changeset: Changeset): Promise<Record<string, string | Uint8Array>>;
  /** Reads one file at the run's commit (undefined: none there; `binary` for one that is not UTF-8 text). */
  readBase(repo: RepoOptions, path: string): Promise<BaseFile | undefined>;
  /** Files at the run's commit read in one go (git cat-file --batch), in the order asked; a path not there is left out. */
  readBaseMany(repo: RepoOptions, paths: readonly string[]): Promise<Array<{ path: string; file: BaseFile }>>;
  /** What changed between an earlier commit and the run's (undefined when that commit is not in the repository). */
  changedSince(repo: RepoOptions, commit: string): Promise<{ changed: string[]; removed: string[] } | undefined>;
  /** Every path at the run's commit with its kind (a file, a link, a submodule). */
  listBase(repo: RepoOptions): Promise<BaseEntry[]>;
  /** Lines at the run's commit that match (git grep): at most `limit`, text files only. */
  grep(repo: RepoOptions, query: GrepQuery): Promise<{ matches: GrepMatch[]; truncated: boolean }>;
  /** Writes the changeset over the run's commit in its worktree (anything else there goes). */
  materialize(runId: string, repo: RepoOptions, changeset: Changeset): Promise<void>;
  /** Commits the worktree's state on `umca/<run-id>` (the same commit again if one is there). */
  handoff(runId: string, repo: RepoOptions, commit: { message: string; author: { name: string; email: string }; date: string }): Promise<Handoff>;
  /** The worktree's change from the run's commit as a patch (`git diff --binary`), with no branch made. */
  patch(runId: string, repo: RepoOptions): Promise<string>;
  /** Removes the run's worktree (its branch stays). */
  release(runId: string, repo: RepoOptions): Promise<void>;
}

export type BaseFile = { text: string; binary?: false } | { binary: true; size: number };

export interface BaseEntry {
  path: string;
  kind: 'file' | 'executable' | 'link' | 'submodule';
  size: number;
}

export interface GrepQuery {
  pattern: string;
  /** Match the pattern as it is, not as a regular expression (POSIX extended). */
  literal: boolean;
  ignoreCase?: boolean;
  /** Only paths matching this glob (git pathspec `:(glob)`). */
  glob?: string;
  limit: number;
}

export interface GrepMatch {
  path: string;
  line: number;
  text: string;
}
