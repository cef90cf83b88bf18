import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The plane rule of docs/architecture.md, as a check: each directory under `src/` is a
 * plane; the files directly in it are its interface, its subdirectories its internals.
 *
 * - `src/core` (the domain) imports nothing else of the project.
 * - A plane imports another plane only through that plane's interface files.
 * - The composition root (`src/composition.ts`) is imported by the CLI alone; the wired
 *   product's interface (`src/umca.ts`) by the process's edges (CLI, HTTP server) and the
 *   root that builds it. Both may import anything, as may the CLI.
 * - No files import each other, directly or round a loop, and no planes do.
 *
 * Imports are read with TypeScript's own scanner (`ts.preProcessFile`), type-only ones
 * included: a type import couples two planes as much as a value import does.
 */

export interface ImportViolation {
  rule: 'core-imports-nothing' | 'plane-internals' | 'composition-root' | 'file-cycle' | 'plane-cycle';
  message: string;
}

/** The project-relative files under `src/` (tests left out) and what each imports, as project-relative paths. */
export function readImportGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
        const imports = importedFiles
          .map((file) => file.fileName)
          .filter((specifier) => specifier.startsWith('.'))
          .map((specifier) => relative(root, resolve(dirname(path), specifier.replace(/\.js$/, '.ts'))).split(sep).join('/'));
        graph.set(relative(root, path).split(sep).join('/'), imports);
      }
    }
  };
  walk(join(root, 'src'));
  return graph;
}

/** `src/engine/x.ts` → `engine`; a file directly in src/ → its own name (`composition.ts`). */
function planeOf(file: string): string {
  return file.split('/')[1]!;
}

const isInterface = (file: string) => file.split('/').length === 3;
const EDGES_ALLOWED_UMCA = new Set(['cli', 'server', 'composition.ts']);
const UNRESTRICTED = new Set(['cli', 'composition.ts', 'umca.ts']);

export function checkImports(graph: ReadonlyMap<string, readonly string[]>): ImportViolation[] {
  const violations: ImportViolation[] = [];
  const planeEdges = new Map<string, Map<string, string>>();
  for (const [file, imports] of graph) {
    const from = planeOf(file);
    for (const target of imports) {
      if (!target.startsWith('src/')) continue;
      const to = planeOf(target);
      if (to === from) continue;
      if (from === 'core') {
        violations.push({ rule: 'core-imports-nothing', message: `${file} imports ${target}: src/core is the domain and imports nothing else of the project` });
        continue;
      }
      if (to === 'composition.ts' && from !== 'cli') {
        violations.push({ rule: 'composition-root', message: `${file} imports the composition root (${target}); only the CLI may` });
        continue;
      }
      if (to === 'umca.ts' && !EDGES_ALLOWED_UMCA.has(from)) {
        violations.push({ rule: 'composition-root', message: `${file} imports the wired product (${target}); only the process's edges (cli, server) may, planes take each other's interfaces` });
        continue;
      }
      if (UNRESTRICTED.has(from) || to === 'composition.ts' || to === 'umca.ts') continue;
      if (!isInterface(target)) violations.push({ rule: 'plane-internals', message: `${file} imports ${target}, an internal of plane ${to}; import its interface (a file directly in src/${to}/)` });
      if (!planeEdges.has(from)) planeEdges.set(from, new Map());
      if (!planeEdges.get(from)!.has(to)) planeEdges.get(from)!.set(to, `${file} → ${target}`);
    }
  }
  for (const cycle of cycles(new Map([...graph].map(([file, imports]) => [file, imports.filter((target) => graph.has(target))])))) {
    violations.push({ rule: 'file-cycle', message: `files import each other, round a loop: ${cycle.join(', ')}` });
  }
  for (const cycle of cycles(new Map([...planeEdges].map(([plane, targets]) => [plane, [...targets.keys()]])))) {
    const members = new Set(cycle);
    const hops = cycle.flatMap((plane) => [...planeEdges.get(plane)!].filter(([to]) => members.has(to)).map(([, why]) => why));
    violations.push({ rule: 'plane-cycle', message: `planes import each other: ${cycle.join(', ')} (${hops.join('; ')})` });
  }
  return violations;
}

/** The strongly connected components with more than one node (Tarjan), each in a loop order. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.reverse());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}
