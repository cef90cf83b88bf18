import { posix } from 'node:path';

/**
 * Why a path an edit names may not be written, or undefined when it may: it must be
 * relative, normalised, inside the repository, and not inside `.git`.
 */
export function repoPathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > 400) return 'must be 1 to 400 characters';
  if (/[\0-\x1f\\]/.test(path)) return 'must use "/" and no control characters';
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return 'is outside the repository (paths are relative to its top level)';
  if (path.split('/').some((part) => part === '..')) return 'is outside the repository';
  if (posix.normalize(path) !== path || path.split('/').some((part) => part === '' || part === '.')) return 'must be normalised (no "." or empty segments)';
  if (path.split('/').some((part) => part.toLowerCase() === '.git')) return 'is inside .git, which edits may not touch';
  return undefined;
}
