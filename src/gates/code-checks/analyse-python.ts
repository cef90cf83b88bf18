import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';
import type { ApiCategory, CodeFacts } from './code-facts.js';

/** Modules by what importing them is for; the rest of the standard library is plain computation. */
export const PYTHON_MODULE_CATEGORY: Readonly<Record<string, ApiCategory>> = {
  subprocess: 'spawn',
  pty: 'spawn',
  multiprocessing: 'spawn',
  ctypes: 'host',
  js: 'host',
  pyodide: 'host',
  pyodide_js: 'host',
  socket: 'network',
  ssl: 'network',
  'urllib.request': 'network',
  'http.client': 'network',
  ftplib: 'network',
  smtplib: 'network',
  poplib: 'network',
  imaplib: 'network',
  telnetlib: 'network',
  xmlrpc: 'network',
};

/** Calls by what they do, matched on the callee as written (`os.system`, `eval`). */
const CALL_CATEGORY: ReadonlyArray<[RegExp, ApiCategory]> = [
  [/^(eval|exec|compile|__import__|importlib\.import_module)$/, 'exec'],
  [/^os\.(system|popen|fork|forkpty|exec\w*|spawn\w*|posix_spawn\w*)$/, 'spawn'],
  [/^(pickle|cPickle|marshal|shelve)\.(loads?|Unpickler|open)$/, 'deserialise'],
  [/^os\.(environ|getenv|putenv|unsetenv|kill|killpg|setuid|chroot)\b/, 'host'],
];

/**
 * Reads a Python file with the Lezer Python grammar (error-tolerant: a file with a syntax
 * error still yields what it can): the modules it imports (`import a.b`, `from .x import y`,
 * relative imports keep their dots) and its calls of APIs that reach outside the computation.
 * Comments and strings never count.
 */
export function analysePython(file: string, source: string): CodeFacts {
  const facts: CodeFacts = { imports: [], uses: [], unreadable: [] };
  const tree = parser.parse(source);
  const text = (node: SyntaxNode) => source.slice(node.from, node.to);
  const lineOf = (node: SyntaxNode) => source.slice(0, node.from).split('\n').length;
  tree.iterate({
    enter: (ref) => {
      const node = ref.node;
      if (node.name === 'ImportStatement') {
        for (const module of importedModules(node, text)) facts.imports.push({ file, line: lineOf(node), module });
        return false;
      }
      if (node.name === 'CallExpression') {
        const callee = node.firstChild;
        if (callee && (callee.name === 'VariableName' || callee.name === 'MemberExpression')) {
          const api = text(callee).replace(/\s+/g, '');
          const match = CALL_CATEGORY.find(([pattern]) => pattern.test(api));
          if (match) facts.uses.push({ file, line: lineOf(node), api, category: match[1] });
        }
      }
      if (node.name === 'MemberExpression') {
        const api = text(node).replace(/\s+/g, '');
        if (/^os\.environ\b/.test(api) && node.parent?.name !== 'MemberExpression') facts.uses.push({ file, line: lineOf(node), api: 'os.environ', category: 'host' });
      }
      return undefined;
    },
  });
  return facts;
}

/**
 * `import a.b as c, d` gives a.b and d; `from ..pkg.mod import x` gives ..pkg.mod (and for
 * `from . import x` the dot-prefixed .x, a sibling module).
 */
function importedModules(statement: SyntaxNode, text: (node: SyntaxNode) => string): string[] {
  const tokens: Array<{ name: string; text: string }> = [];
  for (let child = statement.firstChild; child; child = child.nextSibling) tokens.push({ name: child.name, text: text(child) });
  if (tokens[0]?.name === 'from') {
    const importAt = tokens.findIndex((t) => t.name === 'import');
    const module = tokens.slice(1, importAt).map((t) => t.text).join('');
    if (/^\.+$/.test(module)) {
      // from . import a, b: each name is a sibling module (or a name in the package).
      return tokens.slice(importAt + 1).filter((t, i, all) => t.name === 'VariableName' && all[i - 1]?.name !== 'as').map((t) => `${module}${t.text}`);
    }
    return [module];
  }
  const modules: string[] = [];
  let current = '';
  let aliasing = false;
  for (const token of tokens.slice(1)) {
    if (token.name === ',') {
      if (current) modules.push(current);
      current = '';
      aliasing = false;
    } else if (token.name === 'as') aliasing = true;
    else if (!aliasing) current += token.text;
  }
  if (current) modules.push(current);
  return modules;
}
