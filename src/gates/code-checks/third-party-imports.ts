import { builtinModules } from 'node:module';
import type { CodeFacts } from './code-facts.js';
import { PYTHON_STDLIB } from './python-stdlib.js';

const NODE_BUILTINS = new Set(builtinModules);

/**
 * The third-party packages the code imports, by package name (`lodash` for `lodash/fp`,
 * `@scope/pkg` for `@scope/pkg/x`, `requests` for `requests.adapters`): not relative, not
 * one of the job's own files, not Node's built-ins or Python's standard library.
 */
export function thirdPartyImports(facts: CodeFacts, language: 'javascript' | 'python' | 'bash', files: readonly string[]): Map<string, { file: string; line: number }> {
  const found = new Map<string, { file: string; line: number }>();
  const localPython = new Set(files.flatMap((path) => pythonModuleNames(path)));
  for (const { file, line, module } of facts.imports) {
    let name: string | undefined;
    if (language === 'javascript') {
      if (module.startsWith('.') || module.startsWith('/') || module.startsWith('node:') || NODE_BUILTINS.has(module.split('/')[0]!)) continue;
      const parts = module.split('/');
      name = module.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    } else if (language === 'python') {
      if (module.startsWith('.')) continue;
      const top = module.split('.')[0]!;
      if (PYTHON_STDLIB.has(top) || localPython.has(top)) continue;
      name = top;
    }
    if (name && !found.has(name)) found.set(name, { file, line });
  }
  return found;
}

/** `calc.py` is module calc; `pkg/__init__.py` and `pkg/x.py` make package pkg importable. */
function pythonModuleNames(path: string): string[] {
  const parts = path.split('/');
  const names = [parts[0]!.replace(/\.py$/, '')];
  // Tests often import modules beside them: `src/calc.py` is `calc` to `src/test_calc.py`.
  if (path.endsWith('.py')) names.push(parts.at(-1)!.replace(/\.py$/, ''));
  return names;
}
