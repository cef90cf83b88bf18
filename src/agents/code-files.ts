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
  const asJson = filesFromJson(reply);
  const found = asJson ?? [...reply.matchAll(FENCE)].map((match) => [match[2]!, match[3]!] as const);
  for (const [path, content] of found) {
    const problem = checkPath(path);
    if (problem) return { ok: false, error: `file path "${path}" ${problem}` };
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

/**
 * The files of a reply made to CODE_FILES_SCHEMA (a provider that enforces schemas):
 * `{"files": [{"path", "content"}]}`; undefined for any other reply (fenced blocks).
 */
function filesFromJson(reply: string): Array<readonly [string, string]> | undefined {
  const text = reply.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as { files?: unknown };
    if (!Array.isArray(parsed.files)) return undefined;
    return parsed.files.flatMap((file: unknown) => {
      const { path, content } = (file ?? {}) as { path?: unknown; content?: unknown };
      return typeof path === 'string' && typeof content === 'string' ? [[path, content] as const] : [];
    });
  } catch {
    return undefined;
  }
}

/** The coder's files as JSON Schema, for providers that enforce one. */
export const CODE_FILES_SCHEMA = {
  name: 'code_files',
  schema: {
    type: 'object',
    properties: {
      files: {
        type: 'array',
        items: { type: 'object', properties: { path: { type: 'string', description: 'relative path, with /' }, content: { type: 'string', description: "the file's whole text" } }, required: ['path', 'content'], additionalProperties: false },
      },
    },
    required: ['files'],
    additionalProperties: false,
  },
};
