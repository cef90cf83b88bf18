/** npm's placeholder for a package with no tests. */
const NPM_PLACEHOLDER = /no test specified/;
const PYTEST_MARKERS = ['pytest.ini', 'conftest.py', 'tox.ini', 'setup.cfg', 'pyproject.toml'];

export interface DetectedTestCommand {
  command: string;
  /** What it was found from, for the run's log. */
  from: string;
}

/**
 * The repository's own test command, from the files at its top level: package.json's
 * `scripts.test` (npm test), pytest (its config, a conftest.py, or Python test files),
 * `go.mod` (go test ./...), `Cargo.toml` (cargo test), a Makefile with a `test` target.
 * Undefined when none is there; the caller then names the places looked.
 */
export async function detectTestCommand(paths: readonly string[], read: (path: string) => Promise<string | undefined>): Promise<DetectedTestCommand | undefined> {
  const top = new Set(paths.filter((path) => !path.includes('/')));
  if (top.has('package.json')) {
    const scripts = parsePackageScripts(await read('package.json'));
    if (scripts?.test && !NPM_PLACEHOLDER.test(scripts.test)) return { command: 'npm test', from: 'package.json scripts.test' };
  }
  for (const marker of PYTEST_MARKERS) {
    if (!top.has(marker)) continue;
    const text = marker === 'conftest.py' || marker === 'pytest.ini' ? 'pytest' : ((await read(marker)) ?? '');
    if (/pytest/.test(text)) return { command: 'python3 -m pytest', from: marker };
  }
  if (paths.some((path) => /(^|\/)(test_[^/]*|[^/]*_test)\.py$/.test(path))) return { command: 'python3 -m pytest', from: 'Python test files (test_*.py)' };
  if (top.has('go.mod')) return { command: 'go test ./...', from: 'go.mod' };
  if (top.has('Cargo.toml')) return { command: 'cargo test', from: 'Cargo.toml' };
  for (const name of ['Makefile', 'makefile', 'GNUmakefile']) {
    if (top.has(name) && /^test\s*:/m.test((await read(name)) ?? '')) return { command: 'make test', from: `${name} test target` };
  }
  return undefined;
}

/** Where detection looks, for the error that says it found nothing. */
export const DETECTION_PLACES = 'package.json scripts.test, pytest (pytest.ini, conftest.py, pyproject.toml, test_*.py), go.mod, Cargo.toml, a Makefile test target';

function parsePackageScripts(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { scripts?: unknown };
    if (typeof parsed.scripts !== 'object' || parsed.scripts === null) return undefined;
    return Object.fromEntries(Object.entries(parsed.scripts).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return undefined;
  }
}
