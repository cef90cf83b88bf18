export interface CodeFile {
  path: string;
  content: string;
}

const FENCE = /^```[^\n`]*?\b(?:path|file)=("?)([^\s"`]+)\1[^\n]*\n([\s\S]*?)^```[ \t]*$/gm;
const MAX_FILES = 50;
const MAX_FILE_BYTES = 256 * 1024;

/**
 * Reads the coder's files from fenced blocks whose info string names a path
 * (```ts path=src/a.ts). Paths must be relative and stay inside the project.
 */
export function parseCodeFiles(reply: string): { ok: true; value: CodeFile[] } | { ok: false; error: string } {
  const files = new Map<string, string>();
  for (const match of reply.matchAll(FENCE)) {
    const path = match[2]!;
    const problem = checkPath(path);
    if (problem) return { ok: false, error: `file path "${path}" ${problem}` };
    const content = match[3]!;
    if (Buffer.byteLength(content) > MAX_FILE_BYTES) return { ok: false, error: `file ${path} is larger than ${MAX_FILE_BYTES} bytes` };
    files.set(path, content);
  }
  if (files.size === 0) return { ok: false, error: 'the reply holds no fenced code block with a path (```ts path=src/file.ts)' };
  if (files.size > MAX_FILES) return { ok: false, error: `the reply holds ${files.size} files; the limit is ${MAX_FILES}` };
  return { ok: true, value: [...files].map(([path, content]) => ({ path, content })) };
}

function checkPath(path: string): string | undefined {
  if (path.length > 200) return 'is too long';
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return 'must be relative';
  if (path.includes('\\') || path.includes('\0')) return 'must use / and no control characters';
  if (path.split('/').some((segment) => segment === '..' || segment === '' || segment === '.')) return 'must not contain "..", "." or empty segments';
  return undefined;
}
