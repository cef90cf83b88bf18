import { parsePatch, type StructuredPatch } from 'diff';

/** One edit a coder asked for, as parsed from its reply (not yet checked against the repository). */
export type RepoEdit =
  /** Replace the one place `search` occurs (an empty `search` creates a new file). */
  | { kind: 'replace'; path: string; search: string; replace: string }
  /** A unified diff for one file (`from` differs on a rename; `/dev/null` sides create or delete). */
  | { kind: 'patch'; path: string; from: string; patch: StructuredPatch; create: boolean; remove: boolean }
  /** A whole file (a fenced block with `path=`). */
  | { kind: 'write'; path: string; content: string };

const SEARCH = /^<{5,9} SEARCH\s*$/;
const DIVIDER = /^={5,9}\s*$/;
const REPLACE = /^>{5,9} REPLACE\s*$/;
const FENCE_OPEN = /^(`{3,})([^\n`]*)$/;
const PATH_IN_INFO = /\b(?:path|file)=("?)([^\s"`]+)\1/;

/**
 * Reads a coder's edits from its reply, in the formats coding agents use: search/replace
 * blocks (the path on the line before `<<<<<<< SEARCH`), unified diffs in ```diff fences
 * (read with jsdiff), and whole files in fences whose info string names a path
 * (```ts path=src/a.ts). Returns an error line naming the block when one is malformed.
 */
export function parseEditBlocks(reply: string): { ok: true; edits: RepoEdit[] } | { ok: false; error: string } {
  const lines = reply.split('\n');
  const edits: RepoEdit[] = [];
  let i = 0;
  let lastPathLine: string | undefined;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = FENCE_OPEN.exec(line);
    if (SEARCH.test(line)) {
      const path = cleanPath(lastPathLine);
      if (!path) return { ok: false, error: `the search/replace block at line ${i + 1} has no file path on the line before it` };
      const search: string[] = [];
      const replace: string[] = [];
      let j = i + 1;
      while (j < lines.length && !DIVIDER.test(lines[j]!)) search.push(lines[j++]!);
      if (j >= lines.length) return { ok: false, error: `the search/replace block for ${path} (line ${i + 1}) has no ======= line` };
      j += 1;
      while (j < lines.length && !REPLACE.test(lines[j]!)) replace.push(lines[j++]!);
      if (j >= lines.length) return { ok: false, error: `the search/replace block for ${path} (line ${i + 1}) has no >>>>>>> REPLACE line` };
      edits.push({ kind: 'replace', path, search: joinBlock(search), replace: joinBlock(replace) });
      i = j + 1;
      // The fence a block was written in closes after it.
      if (/^`{3,}\s*$/.test(lines[i] ?? '')) i += 1;
      continue;
    }
    if (fence) {
      const [, ticks, info] = fence;
      const end = lines.findIndex((l, k) => k > i && l.startsWith(ticks!) && l.slice(ticks!.length).trim() === '');
      const body = lines.slice(i + 1, end < 0 ? lines.length : end);
      const named = PATH_IN_INFO.exec(info!);
      const language = info!.trim().split(/\s+/)[0] ?? '';
      if (body.some((l) => SEARCH.test(l))) {
        // A search/replace block inside a fence: read the fence's lines as the reply's own.
        lastPathLine = named?.[2] ?? lastPathLine;
        i += 1;
        continue;
      }
      if (language === 'diff' || language === 'patch' || (!named && body.some((l) => l.startsWith('+++ ')) && body.some((l) => l.startsWith('--- ')))) {
        const parsed = parseDiff(body.join('\n') + '\n');
        if (!parsed.ok) return { ok: false, error: `the diff at line ${i + 1}: ${parsed.error}` };
        edits.push(...parsed.edits);
      } else if (named) {
        edits.push({ kind: 'write', path: named[2]!, content: body.length ? `${body.join('\n')}\n` : '' });
      }
      i = end < 0 ? lines.length : end + 1;
      lastPathLine = undefined;
      continue;
    }
    if (line.trim()) lastPathLine = line;
    i += 1;
  }
  if (edits.length === 0) return { ok: false, error: 'the reply holds no edit: give search/replace blocks, a ```diff unified diff, or whole files in fences with path=' };
  return { ok: true, edits };
}

function parseDiff(text: string): { ok: true; edits: RepoEdit[] } | { ok: false; error: string } {
  let patches: StructuredPatch[];
  try {
    patches = parsePatch(text);
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  const edits: RepoEdit[] = [];
  for (const patch of patches) {
    const oldName = stripPrefix(patch.oldFileName);
    const newName = stripPrefix(patch.newFileName);
    if (oldName === undefined && newName === undefined) continue;
    const create = oldName === '/dev/null' || patch.isCreate === true;
    const remove = newName === '/dev/null' || patch.isDelete === true;
    const path = remove ? oldName! : newName ?? oldName!;
    const from = create ? path : oldName ?? path;
    if (!path || path === '/dev/null') return { ok: false, error: 'a file header names no path' };
    edits.push({ kind: 'patch', path, from, patch, create, remove });
  }
  if (edits.length === 0) return { ok: false, error: 'no file header (--- a/path, +++ b/path) in it' };
  return { ok: true, edits };
}

/** `a/src/x.ts` → `src/x.ts`; `/dev/null` stays. */
function stripPrefix(name: string | undefined): string | undefined {
  if (name === undefined || name === '') return undefined;
  const trimmed = name.split('\t')[0]!.trim();
  if (trimmed === '/dev/null') return trimmed;
  return trimmed.replace(/^[ab]\//, '');
}

/** The file path a line before a search/replace block names: `src/a.ts`, `**src/a.ts**`, `` `src/a.ts` ``, `src/a.ts:`. */
function cleanPath(line: string | undefined): string | undefined {
  if (!line) return undefined;
  const fence = FENCE_OPEN.exec(line);
  if (fence) return PATH_IN_INFO.exec(fence[2]!)?.[2];
  const cleaned = line.trim().replace(/^(?:#+\s*|[-*]\s+)/, '').replace(/^[*`'"]+|[*`'":]+$/g, '').trim();
  return cleaned && !/\s/.test(cleaned) ? cleaned : undefined;
}

/** A block's lines as text; a block of lines ends with a newline, an empty block is empty. */
function joinBlock(lines: string[]): string {
  return lines.length ? `${lines.join('\n')}\n` : '';
}
