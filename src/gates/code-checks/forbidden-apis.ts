import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import { NODE_MODULE_CATEGORY } from './analyse-javascript.js';
import { PYTHON_MODULE_CATEGORY } from './analyse-python.js';
import type { ApiCategory, CodeFacts } from './code-facts.js';

export interface ApiFinding {
  file: string;
  line: number;
  api: string;
  /** 0: forbidden; 0.5: allowed but worth a look. */
  score: 0 | 0.5;
  why: string;
}

export interface ApiRules {
  language: 'javascript' | 'python' | 'bash';
  /** The lane the tests will run in (`wasm-js`, `wasm-python`, `process`). */
  lane: string | undefined;
  /** The run is granted network: network APIs are then the point, not a finding. */
  egress: boolean;
}

const WHY: Record<ApiCategory, string> = {
  exec: 'runs code built at run time',
  spawn: 'starts host processes',
  host: "reaches the host's process, environment or the sandbox's machinery",
  escape: 'is a known sandbox-escape pattern',
  network: 'opens network connections, and the run is granted no network',
  deserialise: 'unpickles data, which can run code',
};

const NODE_BUILTINS = new Set(builtinModules.map((name) => name.replace(/^node:/, '')));
/** What guests may import of Node in any lane: the test runner and assertions. */
const NODE_TEST_MODULES = new Set(['test', 'assert', 'assert/strict']);

/**
 * The forbidden APIs of a runtime, applied to what the analysers found: code built at run
 * time, host processes, host access and escape patterns are forbidden everywhere; network
 * only without an egress grant; unpickling is flagged; Node's other APIs are forbidden in
 * wasm-js, which runs plain ECMAScript, and allowed in the process lane's real `node`.
 */
export function findForbiddenApis(facts: CodeFacts, rules: ApiRules): ApiFinding[] {
  const findings: ApiFinding[] = [];
  const judge = (file: string, line: number, api: string, category: ApiCategory) => {
    if (category === 'network' && rules.egress) return;
    findings.push({ file, line, api, score: category === 'deserialise' ? 0.5 : 0, why: WHY[category] });
  };
  for (const use of facts.uses) judge(use.file, use.line, use.api, use.category);
  for (const { file, line, module } of facts.imports) {
    if (rules.language === 'javascript') {
      if (outsideTheJob(file, module)) {
        findings.push({ file, line, api: module, score: 0, why: "imports a file outside the job's files (an absolute path, a file: URL or a path above the work dir)" });
        continue;
      }
      const name = module.replace(/^node:/, '');
      const root = name.split('/')[0]!;
      if (!module.startsWith('node:') && !NODE_BUILTINS.has(root)) continue; // local or third-party
      if (NODE_TEST_MODULES.has(name)) continue;
      const category = NODE_MODULE_CATEGORY[root];
      if (category) judge(file, line, module, category);
      else if (rules.lane === 'wasm-js') findings.push({ file, line, api: module, score: 0, why: 'is a Node.js API, and wasm-js runs plain ECMAScript' });
    } else if (rules.language === 'python') {
      const category = PYTHON_MODULE_CATEGORY[module] ?? PYTHON_MODULE_CATEGORY[module.split('.')[0]!];
      if (category) judge(file, line, `import ${module}`, category);
    }
  }
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** An import that names a host path: absolute, a `file:` URL, or relative and climbing above the job's root. */
function outsideTheJob(file: string, module: string): boolean {
  if (module.startsWith('/') || module.startsWith('\\') || /^file:/i.test(module) || /^[A-Za-z]:[\\/]/.test(module)) return true;
  if (!module.startsWith('.')) return false;
  const target = posix.normalize(posix.join(posix.dirname(file), module));
  return target === '..' || target.startsWith('../');
}
