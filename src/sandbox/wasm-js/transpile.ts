import { transform } from 'esbuild';

/**
 * TypeScript and JSX to the ES module JavaScript QuickJS runs; JavaScript as it is. Type errors do not
 * stop a run, as with `tsx`; syntax errors come back as one line naming file and position.
 */
export async function toGuestModules(files: Record<string, string>): Promise<{ modules: Record<string, string>; error?: string }> {
  const modules: Record<string, string> = {};
  for (const [path, source] of Object.entries(files)) {
    const loader = loaderFor(path);
    if (loader === undefined) continue;
    if (loader === 'json') {
      modules[path] = `export default ${JSON.stringify(safeJson(source))};`;
      continue;
    }
    // QuickJS parses modern JavaScript itself (ES2023); a round trip through esbuild would
    // only add its IPC to every job. Its syntax errors name file and line too.
    if (loader === 'js') {
      modules[path] = source;
      continue;
    }
    try {
      const result = await transform(source, { loader, format: 'esm', target: 'es2022', sourcefile: path, logLevel: 'silent' });
      modules[path] = result.code;
    } catch (error) {
      const first = (error as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> }).errors?.[0];
      const where = first?.location ? `${path}:${first.location.line}:${first.location.column + 1}` : path;
      return { modules, error: `SyntaxError: ${where}: ${first?.text ?? (error as Error).message}` };
    }
  }
  return { modules };
}

function loaderFor(path: string): 'ts' | 'tsx' | 'js' | 'jsx' | 'json' | undefined {
  if (/\.[cm]?ts$/.test(path)) return 'ts';
  if (/\.tsx$/.test(path)) return 'tsx';
  if (/\.[cm]?js$/.test(path)) return 'js';
  if (/\.jsx$/.test(path)) return 'jsx';
  if (/\.json$/.test(path)) return 'json';
  return undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
