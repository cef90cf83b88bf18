import type { RepoOptions } from '../core/run-options.js';
import type { EditableTree } from './apply-edits.js';
import type { BaseFile, Repositories } from './repositories.js';

/** The repository at the run's commit, listed once, each file read at most once: what edits apply to. */
export async function editableTree(repositories: Repositories, repo: RepoOptions): Promise<EditableTree & { paths: string[] }> {
  const entries = new Map((await repositories.listBase(repo)).map((entry) => [entry.path, entry]));
  const read = new Map<string, Promise<BaseFile | undefined>>();
  return {
    paths: [...entries.keys()],
    entry: (path) => entries.get(path),
    read: (path) => {
      if (!read.has(path)) read.set(path, repositories.readBase(repo, path));
      return read.get(path)!;
    },
  };
}
