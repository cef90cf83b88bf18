import { applyPatch, structuredPatch, type StructuredPatch } from 'diff';
import { MAX_CHANGED_FILE_BYTES, MAX_CHANGED_FILES, type Changeset } from './changeset.js';
import type { RepoEdit } from './edit-blocks.js';
import { repoPathProblem } from './repo-path.js';
import type { BaseEntry, BaseFile } from './repositories.js';

/** The repository as edits see it: the run's commit, with what earlier attempts changed over it. */
export interface EditableTree {
  /** A path at the commit, with its kind; undefined when the commit has none there. */
  entry(path: string): BaseEntry | undefined;
  read(path: string): Promise<BaseFile | undefined>;
}

export interface FileChange {
  path: string;
  change: 'added' | 'modified' | 'deleted';
  added_lines: number;
  removed_lines: number;
}

export type ApplyResult = { ok: true; changeset: Changeset; changes: FileChange[] } | { ok: false; error: string };

/**
 * Applies a coder's edits over `previous` (the changeset so far), in order, in memory. Every
 * edit must apply: a search text found nowhere or in more than one place, a hunk whose
 * context is not there, a path outside the repository or in `.git`, a link, a submodule or
 * a binary file — each is an error line naming the file and why, for the coder to fix.
 * Nothing is written; the result is the whole new changeset.
 */
export async function applyEdits(edits: readonly RepoEdit[], tree: EditableTree, previous: Changeset): Promise<ApplyResult> {
  const next: Changeset = { ...previous };
  const errors: string[] = [];
  const current = async (path: string): Promise<{ text: string } | { missing: true } | { refused: string }> => {
    if (path in next) return next[path] === null ? { missing: true } : { text: next[path]! };
    const entry = tree.entry(path);
    if (!entry) return { missing: true };
    if (entry.kind === 'link') return { refused: 'is a symbolic link; edits do not go through links' };
    if (entry.kind === 'submodule') return { refused: 'is a submodule; edit it in its own repository' };
    const file = await tree.read(path);
    if (!file) return { missing: true };
    if (file.binary) return { refused: `is a binary file (${file.size} bytes); edits change text files only` };
    return { text: file.text };
  };
  const problem = (path: string) => repoPathProblem(path) ?? parentProblem(path, tree);

  for (const [index, edit] of edits.entries()) {
    const label = `edit ${index + 1} (${edit.path})`;
    const refused = problem(edit.path) ?? (edit.kind === 'patch' && edit.from !== edit.path ? problem(edit.from) : undefined);
    if (refused) {
      errors.push(`${label}: ${edit.kind === 'patch' && edit.from !== edit.path && problem(edit.from) ? edit.from : edit.path} ${refused}`);
      continue;
    }
    const source = await current(edit.kind === 'patch' ? edit.from : edit.path);
    if ('refused' in source) {
      errors.push(`${label}: ${edit.path} ${source.refused}`);
      continue;
    }
    if (edit.kind === 'write') {
      next[edit.path] = edit.content;
      continue;
    }
    if (edit.kind === 'replace') {
      if ('missing' in source) {
        if (edit.search.trim() !== '') errors.push(`${label}: ${edit.path} does not exist (an empty SEARCH creates a new file)`);
        else next[edit.path] = edit.replace;
        continue;
      }
      if (edit.search.trim() === '') {
        errors.push(`${label}: ${edit.path} exists, and an empty SEARCH only creates new files; quote the lines to replace`);
        continue;
      }
      const replaced = replaceOnce(source.text, edit.search, edit.replace);
      if ('error' in replaced) errors.push(`${label}: ${replaced.error}`);
      else next[edit.path] = replaced.text;
      continue;
    }
    // A unified diff.
    if (edit.create) {
      if (!('missing' in source)) {
        errors.push(`${label}: the diff creates ${edit.path}, which exists already`);
        continue;
      }
      const created = applyPatch('', edit.patch);
      if (created === false) errors.push(`${label}: the diff creating ${edit.path} does not apply`);
      else next[edit.path] = created;
      continue;
    }
    if ('missing' in source) {
      errors.push(`${label}: ${edit.from} does not exist`);
      continue;
    }
    const patched = edit.patch.hunks.length ? applyPatch(source.text, edit.patch) : source.text;
    if (patched === false) {
      errors.push(`${label}: ${failingHunk(source.text, edit.patch, edit.from)}`);
      continue;
    }
    if (edit.remove) {
      next[edit.path] = null;
      continue;
    }
    if (edit.from !== edit.path) {
      const target = await current(edit.path);
      if (!('missing' in target)) {
        errors.push(`${label}: the diff renames ${edit.from} to ${edit.path}, which exists already`);
        continue;
      }
      next[edit.from] = null;
    }
    next[edit.path] = patched;
  }
  if (errors.length) return { ok: false, error: `${errors.length} edit${errors.length === 1 ? '' : 's'} did not apply; nothing was changed. ${errors.slice(0, 10).join('; ')}` };

  const changes: FileChange[] = [];
  for (const [path, content] of Object.entries(next)) {
    const base = tree.entry(path) ? await tree.read(path) : undefined;
    const before = base && !base.binary ? base.text : base ? undefined : null;
    if (content === null && !base) {
      delete next[path]; // added by an earlier attempt, now gone: no change at all
      continue;
    }
    if (before !== undefined && before === content) {
      delete next[path]; // back to the commit's content
      continue;
    }
    if (content !== null && Buffer.byteLength(content) > MAX_CHANGED_FILE_BYTES) return { ok: false, error: `${path} would be ${Buffer.byteLength(content)} bytes, over the ${MAX_CHANGED_FILE_BYTES} a changed file may have` };
    const counted = lineCounts(before ?? '', content ?? '');
    changes.push({ path, change: content === null ? 'deleted' : base ? 'modified' : 'added', ...counted });
  }
  if (changes.length > MAX_CHANGED_FILES) return { ok: false, error: `the edits change ${changes.length} files, more than the ${MAX_CHANGED_FILES} one run may` };
  return { ok: true, changeset: next, changes: changes.sort((a, b) => a.path.localeCompare(b.path)) };
}

/** The one place `search` is, replaced; else why not. Trailing spaces on a line are forgiven, nothing else. */
function replaceOnce(text: string, search: string, replace: string): { text: string } | { error: string } {
  const at = occurrences(text, search);
  if (at.length === 1) return { text: text.slice(0, at[0]) + replace + text.slice(at[0]! + search.length) };
  if (at.length > 1) return { error: `the SEARCH text occurs ${at.length} times (at lines ${at.slice(0, 5).map((i) => lineOf(text, i)).join(', ')}); add lines around it so it matches one place` };
  // The model may have dropped trailing spaces, or the file's last newline.
  const loose = (s: string) => s.split('\n').map((l) => l.trimEnd()).join('\n');
  const looseText = loose(text);
  const looseAt = occurrences(looseText, loose(search));
  if (looseAt.length === 1 && (looseAt[0] === 0 || looseText[looseAt[0]! - 1] === '\n')) {
    const start = lineOf(looseText, looseAt[0]!) - 1;
    const count = search.replace(/\n$/, '').split('\n').length;
    const original = text.split('\n');
    const rebuilt = [...original.slice(0, start), ...replace.replace(/\n$/, '').split('\n'), ...original.slice(start + count)];
    return { text: rebuilt.join('\n') };
  }
  const first = search.split('\n').find((l) => l.trim()) ?? '';
  const near = text.split('\n').findIndex((l) => l.trim() === first.trim());
  return {
    error: `the SEARCH text is not in the file${near >= 0 ? ` (its first line "${first.trim().slice(0, 80)}" is at line ${near + 1}, but the lines after it differ)` : ` (no line reads "${first.trim().slice(0, 80)}")`}; copy the lines exactly as the file has them`,
  };
}

function occurrences(text: string, search: string): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(search); i >= 0 && found.length < 50; i = text.indexOf(search, i + 1)) found.push(i);
  return found;
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Which hunk of a diff that does not apply fails, and where, for the coder. */
function failingHunk(text: string, patch: StructuredPatch, path: string): string {
  for (const [index, hunk] of patch.hunks.entries()) {
    if (applyPatch(text, { ...patch, hunks: [hunk] }) === false) {
      const context = hunk.lines.find((l) => l.startsWith(' ') || l.startsWith('-'))?.slice(1) ?? '';
      return `hunk ${index + 1} of ${patch.hunks.length} (@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@) does not match ${path}: the lines it expects from line ${hunk.oldStart} ("${context.trim().slice(0, 80)}") are not there`;
    }
  }
  return `the diff's hunks do not apply to ${path} together (each applies alone; they overlap)`;
}

/** A path whose parent at the commit is a link or a submodule cannot be written. */
function parentProblem(path: string, tree: EditableTree): string | undefined {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i += 1) {
    const entry = tree.entry(parts.slice(0, i).join('/'));
    if (entry?.kind === 'link') return `goes through ${parts.slice(0, i).join('/')}, a symbolic link`;
    if (entry) return `goes through ${parts.slice(0, i).join('/')}, which is a file`;
  }
  return undefined;
}

function lineCounts(before: string, after: string): { added_lines: number; removed_lines: number } {
  const patch = structuredPatch('a', 'b', before, after, '', '', { context: 0 });
  let added = 0;
  let removed = 0;
  for (const hunk of patch.hunks)
    for (const line of hunk.lines) {
      if (line.startsWith('+')) added += 1;
      else if (line.startsWith('-')) removed += 1;
    }
  return { added_lines: added, removed_lines: removed };
}
