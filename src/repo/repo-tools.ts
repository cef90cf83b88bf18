import picomatch from 'picomatch';
import type { RepoOptions } from '../core/run-options.js';
import { parseDocument } from '../knowledge/parse-document.js';
import type { Tool, ToolOutput } from '../tools/tool.js';
import { ToolError } from '../tools/tool-error.js';
import type { EditableTree } from './apply-edits.js';
import type { Repositories } from './repositories.js';

const MAX_LISTED = 500;
const MAX_LINES = 400;
const MAX_READ_CHARS = 32_000;
const MAX_MATCHES = 200;
const MAX_OUTLINE_CHARS = 1_000_000;

type Tree = EditableTree & { paths: readonly string[] };

const tool = (name: string, description: string, inputSchema: Record<string, unknown>, call: (args: Record<string, unknown>) => Promise<ToolOutput>): Tool => ({
  name: `repo.${name}`,
  server: 'repo',
  description,
  inputSchema: { type: 'object', additionalProperties: false, ...inputSchema },
  annotations: { readOnlyHint: true, openWorldHint: false },
  availability: () => ({ available: true }),
  call: (args) => call(args),
});

const text = (body: string, sources?: ToolOutput['sources']): ToolOutput => ({ text: body, isError: false, sizeBytes: Buffer.byteLength(body), ...(sources ? { sources } : {}) });

function stringArg(args: Record<string, unknown>, name: string, options: { required?: boolean; max?: number } = {}): string | undefined {
  const value = args[name];
  if (value === undefined && !options.required) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > (options.max ?? 1_000)) throw new ToolError('invalid_arguments', `${name}: a non-empty string of at most ${options.max ?? 1_000} characters`);
  return value;
}

function intArg(args: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = args[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new ToolError('invalid_arguments', `${name}: a whole number from ${min} to ${max}`);
  return value;
}

/**
 * The repository a run works on, as tools for its planner, researcher and coder: list its
 * files, read one (or a range of its lines), search it (git grep, literal or a regular
 * expression), and outline a file's symbols. They read the run's commit; every answer is
 * bounded (the step's tool results are cut again at the prompt), and what they read is a
 * source research may cite: `repo:<path>` for a whole file, `repo:<path>#L<a>-L<b>` for lines.
 */
export function repositoryTools(repositories: Repositories, repo: RepoOptions, tree: () => Promise<Tree>): Tool[] {
  const readText = async (path: string): Promise<string> => {
    const files = await tree();
    const entry = files.entry(path);
    if (!entry) throw new ToolError('invalid_arguments', `no file ${path} at the run's commit (list_files shows what there is)`);
    if (entry.kind === 'link' || entry.kind === 'submodule') throw new ToolError('invalid_arguments', `${path} is a ${entry.kind === 'link' ? 'symbolic link' : 'submodule'}`);
    const file = await files.read(path);
    if (!file) throw new ToolError('error', `${path} could not be read`);
    if (file.binary) throw new ToolError('invalid_arguments', `${path} is a binary file (${file.size} bytes)`);
    return file.text;
  };
  return [
    tool(
      'list_files',
      `List the files of the repository the run works on (${repo.source} at ${repo.commit.slice(0, 12)}), optionally under a directory or matching a glob`,
      {
        properties: {
          path: { type: 'string', description: 'only files under this directory (e.g. src/)' },
          glob: { type: 'string', description: 'only files matching this glob (e.g. **/*.test.js)' },
        },
      },
      async (args) => {
        const under = stringArg(args, 'path')?.replace(/\/+$/, '');
        const glob = stringArg(args, 'glob');
        const match = glob ? picomatch(glob, { dot: true }) : undefined;
        const files = await tree();
        const listed = files.paths.filter((p) => (under === undefined || under === '' || under === '.' || p.startsWith(`${under}/`)) && (!match || match(p)));
        const shown = listed.slice(0, MAX_LISTED).map((p) => `${p} (${files.entry(p)?.size ?? 0} B)`);
        return text([...shown, ...(listed.length > MAX_LISTED ? [`[… ${listed.length - MAX_LISTED} more: narrow with path or glob]`] : []), ...(listed.length === 0 ? ['No file matches.'] : [])].join('\n'));
      },
    ),
    tool(
      'read_file',
      'Read a file of the repository, or a range of its lines (numbered from 1)',
      {
        properties: {
          path: { type: 'string', description: 'the file, relative to the repository' },
          start_line: { type: 'integer', minimum: 1, description: 'first line (default 1)' },
          end_line: { type: 'integer', minimum: 1, description: `last line (default: ${MAX_LINES} lines on)` },
        },
        required: ['path'],
      },
      async (args) => {
        const path = stringArg(args, 'path', { required: true, max: 400 })!;
        const start = intArg(args, 'start_line', 1, 10_000_000) ?? 1;
        const content = await readText(path);
        const lines = content.split('\n');
        if (lines.at(-1) === '') lines.pop();
        const end = Math.min(lines.length, intArg(args, 'end_line', start, 10_000_000) ?? start + MAX_LINES - 1, start + MAX_LINES - 1);
        let body = lines.slice(start - 1, end).join('\n');
        if (body.length > MAX_READ_CHARS) body = body.slice(0, MAX_READ_CHARS);
        const whole = start === 1 && end === lines.length && body.length === content.replace(/\n$/, '').length;
        const id = whole ? `repo:${path}` : `repo:${path}#L${start}-L${end}`;
        const more = end < lines.length ? `\n[lines ${end + 1}–${lines.length} not shown: read them with start_line]` : '';
        return text(`<source id="${id}" lines="${start}-${end}" of="${lines.length}">\n${body}\n</source>${more}`, [{ id, content: body }]);
      },
    ),
    tool(
      'search',
      'Search the repository for a literal string or a regular expression (POSIX extended), like git grep',
      {
        properties: {
          pattern: { type: 'string', minLength: 1, maxLength: 500, description: 'what to find' },
          regex: { type: 'boolean', description: 'a regular expression (default: literal text)' },
          ignore_case: { type: 'boolean' },
          glob: { type: 'string', description: 'only files matching this glob (e.g. src/**/*.ts)' },
        },
        required: ['pattern'],
      },
      async (args) => {
        const pattern = stringArg(args, 'pattern', { required: true, max: 500 })!;
        if (args.regex !== undefined && typeof args.regex !== 'boolean') throw new ToolError('invalid_arguments', 'regex: true or false');
        const glob = stringArg(args, 'glob', { max: 300 });
        const found = await repositories
          .grep(repo, { pattern, literal: args.regex !== true, ignoreCase: args.ignore_case === true, ...(glob ? { glob } : {}), limit: MAX_MATCHES })
          .catch((error: Error) => {
            throw new ToolError('invalid_arguments', error.message);
          });
        const lines = found.matches.map((m) => `${m.path}:${m.line}: ${m.text}`);
        return text([...lines, ...(found.truncated ? [`[more than ${MAX_MATCHES} matches: narrow the pattern or the glob]`] : []), ...(lines.length === 0 ? ['No match.'] : [])].join('\n'));
      },
    ),
    tool(
      'outline',
      "Outline a source file: its top-level declarations (functions, classes, exports) with their line numbers",
      { properties: { path: { type: 'string', description: 'the file, relative to the repository' } }, required: ['path'] },
      async (args) => {
        const path = stringArg(args, 'path', { required: true, max: 400 })!;
        const content = await readText(path);
        if (content.length > MAX_OUTLINE_CHARS) return text(`${path} is ${content.length} characters, more than outline parses (${MAX_OUTLINE_CHARS}); search it instead`);
        const parsed = await parseDocument(path, Buffer.from(content)).catch(() => undefined);
        if (!parsed || parsed.type !== 'code') return text(`${path} is not source code umca can outline; read it instead`);
        const lineOf = (offset: number) => content.slice(0, offset).split('\n').length;
        const symbols = parsed.sections.filter((s) => s.heading).map((s) => `${lineOf(s.start)}: ${s.heading}`);
        return text(symbols.length ? `${path} (${parsed.language ?? 'code'}):\n${symbols.join('\n')}` : `${path} declares nothing at its top level umca can name`);
      },
    ),
  ];
}
