import { parse } from '@babel/parser';
import type { ApiCategory, ApiUse, CodeFacts, ImportFact } from './code-facts.js';

/** Node built-ins by what they can do; anything else of Node's is a plain API (`node-api`). */
export const NODE_MODULE_CATEGORY: Readonly<Record<string, ApiCategory>> = {
  child_process: 'spawn',
  cluster: 'spawn',
  worker_threads: 'spawn',
  vm: 'exec',
  v8: 'host',
  inspector: 'host',
  repl: 'exec',
  process: 'host',
  net: 'network',
  tls: 'network',
  http: 'network',
  https: 'network',
  http2: 'network',
  dgram: 'network',
  dns: 'network',
};

const NETWORK_GLOBALS = new Set(['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource']);

interface BabelNode {
  type: string;
  loc?: { start: { line: number } } | null;
  [key: string]: unknown;
}

/**
 * Reads a JavaScript or TypeScript file with Babel's parser (error-tolerant, so a file with a
 * syntax error still yields what it can): the modules it imports (static, dynamic,
 * `require`, re-exports) and its uses of APIs that reach outside the computation. Comments
 * and strings never count.
 */
export function analyseJavaScript(file: string, source: string): CodeFacts {
  const facts: CodeFacts = { imports: [], uses: [], unreadable: [] };
  let ast: BabelNode;
  try {
    const typescript = /\.(c|m)?tsx?$/.test(file);
    ast = parse(source, {
      sourceType: 'unambiguous',
      errorRecovery: true,
      allowReturnOutsideFunction: true,
      plugins: typescript ? [['typescript', {}], ...(file.endsWith('x') ? (['jsx'] as const) : [])] : ['jsx'],
    }) as unknown as BabelNode;
  } catch (error) {
    const at = (error as { loc?: { line?: number } }).loc;
    facts.unreadable.push({ file, line: at?.line ?? 0, message: (error as Error).message.replace(/\s*\(\d+:\d+\)$/, '') });
    return facts;
  }
  const line = (node: BabelNode) => node.loc?.start.line ?? 0;
  const addImport = (node: BabelNode, module: unknown) => {
    if (typeof module === 'string') facts.imports.push({ file, line: line(node), module } satisfies ImportFact);
  };
  const use = (node: BabelNode, api: string, category: ApiCategory) => facts.uses.push({ file, line: line(node), api, category } satisfies ApiUse);

  walk(ast, (node, parent, key) => {
    switch (node.type) {
      case 'Identifier': {
        // `eval` however it is reached: called, aliased (`const e = eval`), indirect (`(0, eval)(…)`).
        const named = (key === 'property' || key === 'key') && parent?.computed !== true;
        if (node.name === 'eval' && !named && parent?.type !== 'CallExpression') use(node, 'eval', 'exec');
        break;
      }
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'ExportNamedDeclaration':
        addImport(node, (node.source as BabelNode | null | undefined)?.value);
        break;
      case 'ImportExpression': {
        const source = node.source as BabelNode;
        if (source.type === 'StringLiteral') addImport(node, source.value);
        else use(node, 'import(<computed>)', 'exec');
        break;
      }
      case 'CallExpression':
      case 'NewExpression': {
        const callee = node.callee as BabelNode;
        const args = node.arguments as BabelNode[];
        if (callee.type === 'Import') {
          if (args[0]?.type === 'StringLiteral') addImport(node, args[0].value);
          else use(node, 'import(<computed>)', 'exec');
        } else if (callee.type === 'Identifier') {
          const name = callee.name as string;
          if (name === 'require') {
            if (args[0]?.type === 'StringLiteral') addImport(node, args[0].value);
            else use(node, 'require(<computed>)', 'exec');
          }
          if (name === 'eval' || name === 'Function') use(node, name, 'exec');
          if (NETWORK_GLOBALS.has(name)) use(node, name, 'network');
        }
        break;
      }
      case 'MemberExpression':
      case 'OptionalMemberExpression': {
        const object = node.object as BabelNode;
        const property = memberName(node);
        if (object.type === 'Identifier' && object.name === 'process') use(node, `process.${property ?? '[…]'}`, 'host');
        if ((object.type === 'Identifier' && (object.name === 'globalThis' || object.name === 'global')) && property === 'process') use(node, `${object.name as string}.process`, 'host');
        if (property === 'constructor' && (object.type === 'MemberExpression' || object.type === 'OptionalMemberExpression') && memberName(object) === 'constructor')
          use(node, 'constructor.constructor', 'escape');
        if (object.type === 'Identifier' && object.name === 'Error' && property === 'prepareStackTrace') use(node, 'Error.prepareStackTrace', 'escape');
        break;
      }
    }
  });
  return facts;
}

function memberName(node: BabelNode): string | undefined {
  const property = node.property as BabelNode;
  if (!node.computed && property.type === 'Identifier') return property.name as string;
  if (property.type === 'StringLiteral') return property.value as string;
  return undefined;
}

/** Visits every node with its parent and the parent's key that holds it. */
function walk(node: BabelNode, visit: (node: BabelNode, parent: BabelNode | undefined, key: string | undefined) => void, parent?: BabelNode, parentKey?: string): void {
  visit(node, parent, parentKey);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments' || key === 'extra') continue;
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) walk(item, visit, node, key);
    } else if (isNode(value)) walk(value, visit, node, key);
  }
}

function isNode(value: unknown): value is BabelNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
