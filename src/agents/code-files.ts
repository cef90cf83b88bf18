import { fromMarkdown } from 'mdast-util-from-markdown';

/** Inline constructs are of no use to find code blocks, and cost most of the parse. */
const BLOCKS_ONLY = { extensions: [{ disable: { null: ['attention', 'autolink', 'characterEscape', 'characterReference', 'codeText', 'hardBreakEscape', 'htmlText', 'labelEnd', 'labelStartImage', 'labelStartLink'] } }] };

export interface CodeFile {
  path: string;
  content: string;
}

const PATH_IN_INFO = /\b(?:path|file)=("?)([^\s"`]+)\1/;
const MAX_FILES = 50;
const MAX_FILE_BYTES = 256 * 1024;

/**
 * Reads the coder's files from fenced code blocks whose info string names a path
 * (```ts path=src/a.ts), found by a CommonMark parser (micromark: longer fences around a file
 * that holds fences, tildes, indentation), or from the JSON a schema-enforcing provider gives.
 * Paths must be relative and stay inside the project.
 */
export function parseCodeFiles(reply: string): { ok: true; value: CodeFile[] } | { ok: false; error: string } {
  const files = new Map<string, string>();
  const asJson = filesFromJson(reply);
  const found = asJson ?? fencedFiles(reply);
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

/** Every fenced code block whose info string names a path, as [path, content]. */
function fencedFiles(reply: string): Array<readonly [string, string]> {
  const files: Array<readonly [string, string]> = [];
  const visit = (node: { type: string; lang?: string | null; meta?: string | null; value?: string; children?: unknown[] }) => {
    if (node.type === 'code') {
      const path = PATH_IN_INFO.exec(`${node.lang ?? ''} ${node.meta ?? ''}`)?.[2];
      // A file's last line ends with a newline, as the fence's closing line shows.
      if (path) files.push([path, node.value ? `${node.value}\n` : '']);
      return;
    }
    for (const child of node.children ?? []) visit(child as typeof node);
  };
  visit(fromMarkdown(reply, BLOCKS_ONLY));
  return files;
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
