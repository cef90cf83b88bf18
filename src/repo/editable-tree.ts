import type { RepoOptions } from '../core/run-options.js';
import type { EditableTree } from './apply-edits.js';
import type { BaseFile, Repositories } from './repositories.js';

/**
 * The repository at the run's commit, listed once, each file read at most once: what edits
 * apply to. `prefetch` reads many files in one git process (cat-file --batch) ahead of a pass
 * over them, instead of one process a file.
 */
export async function editableTree(repositories: Repositories, repo: RepoOptions): Promise<EditableTree & { paths: string[]; prefetch(paths: readonly string[]): Promise<void> }> {
  const entries = new Map((await repositories.listBase(repo)).map((entry) => [entry.path, entry]));
  const read = new Map<string, Promise<BaseFile | undefined>>();
  return {
    paths: [...entries.keys()],
    entry: (path) => entries.get(path),
    read: (path) => {
      if (!read.has(path)) read.set(path, repositories.readBase(repo, path));
      return read.get(path)!;
    },
    async prefetch(paths) {
      const wanted = paths.filter((path) => !read.has(path) && entries.get(path)?.kind !== 'link' && entries.get(path)?.kind !== 'submodule' && entries.has(path));
      for (let i = 0; i < wanted.length; i += PREFETCH_BATCH) {
        const batch = wanted.slice(i, i + PREFETCH_BATCH);
        const found = new Map((await repositories.readBaseMany(repo, batch)).map(({ path, file }) => [path, file]));
        for (const path of batch) read.set(path, Promise.resolve(found.get(path)));
      }
    },
  };
}

/** Files one git cat-file --batch reads at most (its output is held whole). */
const PREFETCH_BATCH = 500;
