/**
 * What a run changed in a repository, relative to its commit: each path's new content, or
 * `null` for a deleted file. A rename is a deletion and an addition. It is what a coder step
 * checkpoints, so a resumed run writes the same files without applying any edit again.
 */
export type Changeset = Record<string, string | null>;

/** Files changed at most in one run, and the largest file an edit may leave. */
export const MAX_CHANGED_FILES = 100;
export const MAX_CHANGED_FILE_BYTES = 1024 * 1024;
