import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { documentType } from '../knowledge/parse-document.js';
import { CliError } from './cli-error.js';

/** More files than this in one `umca kb add` is a mistake (a home directory, a disk). */
const MAX_FILES = 50_000;

export interface LocalSource {
  /** The file on disk. */
  path: string;
  /** Its name in the knowledge base: the path relative to the current directory, with `/`. */
  source: string;
}

/**
 * The files `umca kb add` names: files as given; directories walked (every file of a type
 * a knowledge base reads, `.gitignore` files respected at every level, `.git` skipped,
 * links not followed); globs matched against the files under the current directory, the
 * same way. A path that does not exist and matches nothing is an error naming it.
 */
/** The http(s) URLs among `kb add`'s arguments; any other scheme is an error naming it. */
export function urlSources(args: readonly string[]): string[] {
  return args.filter(isUrl).map((arg) => {
    if (!/^https?:\/\//i.test(arg)) throw new CliError(`${arg}: only http and https URLs are fetched`);
    return arg;
  });
}

function isUrl(arg: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(arg);
}

export function collectSources(args: readonly string[], cwd = process.cwd()): LocalSource[] {
  const found = new Map<string, LocalSource>();
  const add = (path: string) => {
    if (found.size >= MAX_FILES) throw new CliError(`more than ${MAX_FILES} files to add; name fewer`);
    found.set(path, { path, source: relative(cwd, path).split(sep).join('/') });
  };
  for (const arg of args) {
    if (isUrl(arg)) continue; // fetched by the server (see urlSources)
    const path = resolve(cwd, arg);
    if (existsSync(path)) {
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path, [], (file) => documentType(file) !== undefined && add(file));
      else if (stat.isFile()) add(path);
      else throw new CliError(`${arg}: not a file or directory`);
      continue;
    }
    if (!picomatch.scan(arg).isGlob) throw new CliError(`${arg}: no such file or directory`);
    const matches = picomatch(arg, { dot: false });
    let any = false;
    walk(cwd, [], (file) => {
      if (matches(relative(cwd, file).split(sep).join('/'))) {
        any = true;
        add(file);
      }
    });
    if (!any) throw new CliError(`${arg}: no file matches`);
  }
  return [...found.values()];
}

function walk(dir: string, rules: ReadonlyArray<{ base: string; ignore: Ignore }>, visit: (file: string) => void): void {
  const here = [...rules];
  const gitignore = join(dir, '.gitignore');
  if (existsSync(gitignore)) here.push({ base: dir, ignore: ignore().add(readFileSync(gitignore, 'utf8')) });
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === '.git') continue;
    const path = join(dir, entry.name);
    const ignored = here.some(({ base, ignore: rule }) => rule.ignores(relative(base, path).split(sep).join('/') + (entry.isDirectory() ? '/' : '')));
    if (ignored) continue;
    if (entry.isDirectory()) walk(path, here, visit);
    else if (entry.isFile()) visit(path);
  }
}
