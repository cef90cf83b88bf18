import { lstatSync, readdirSync } from 'node:fs';
import { readBoundedFile } from '../../../core/read-bounded-file.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ConfigError, NotFoundError } from '../../../core/errors.js';
import { scriptedFixtureSchema, type ScriptedFixture } from './scripted-fixture.js';

/** The fixtures shipped with umca, in `fixtures/scripted/`. */
export const SHIPPED_FIXTURES_DIR = fileURLToPath(new URL('../../../../fixtures/scripted/', import.meta.url));

/**
 * A fixture is named, never addressed by path: letters, digits, `_` and `-`, at most 64.
 * Nothing a caller writes after `scripted:` can name a directory, a device or a link's target.
 */
export const FIXTURE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A fixture file larger than this is refused before it is read. */
export const MAX_FIXTURE_BYTES = 1024 * 1024;

export interface FixtureCatalogOptions {
  /** A directory of `NAME.yaml` fixtures the operator configures (`scripted.fixtures_dir`); searched after the shipped ones. */
  dir?: string | undefined;
  maxBytes?: number;
}

/**
 * Where `scripted:NAME` models come from: the shipped fixtures, then the operator's fixtures
 * directory. A name that is not a fixture name, or names no regular file there, is 404
 * `model_not_found`, whatever lies on the disk; files are read asynchronously, without
 * following links, and only up to a size cap, so a caller cannot make the server read, wait
 * on or allocate for anything but a fixture.
 */
export class FixtureCatalog {
  readonly #dirs: string[];
  readonly #maxBytes: number;

  constructor(options: FixtureCatalogOptions = {}) {
    this.#dirs = [SHIPPED_FIXTURES_DIR, ...(options.dir ? [options.dir] : [])];
    this.#maxBytes = options.maxBytes ?? MAX_FIXTURE_BYTES;
  }

  /** Names of the shipped fixtures (the ones every caller is shown as examples and models). */
  shipped(): string[] {
    return fixtureNames(SHIPPED_FIXTURES_DIR);
  }

  /** Whether `name` is a fixture name with a regular file (not a link) in one of the directories: a stat, no read. */
  has(name: string): boolean {
    return FIXTURE_NAME.test(name) && this.#dirs.some((dir) => lstatSync(join(dir, `${name}.yaml`), { throwIfNoEntry: false })?.isFile() === true);
  }

  /** The fixture called `name`; 404 `model_not_found` for anything else. */
  async load(name: string): Promise<ScriptedFixture> {
    if (!FIXTURE_NAME.test(name)) throw notFound(name);
    for (const dir of this.#dirs) {
      const read = await readBoundedFile(join(dir, `${name}.yaml`), this.#maxBytes);
      if (read?.truncated) throw new ConfigError(`scripted fixture "${name}" is larger than ${this.#maxBytes} bytes`);
      if (read !== undefined) return parseFixture(read.text, name);
    }
    throw notFound(name);
  }

  /** The spec a `scripted:NAME` model's fixture answers; undefined for other models and fixtures without one; 404 for an unknown fixture. */
  async spec(model: string): Promise<string | undefined> {
    if (!model.startsWith('scripted:')) return undefined;
    return (await this.load(model.slice('scripted:'.length))).spec;
  }
}

function fixtureNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.slice(0, -'.yaml'.length))
    .filter((name) => FIXTURE_NAME.test(name))
    .sort();
}

function notFound(name: string): NotFoundError {
  const shown = FIXTURE_NAME.test(name) ? `"${name}"` : 'with that name (fixture names are letters, digits, _ and -)';
  return new NotFoundError(`no scripted fixture ${shown}`, 'model_not_found');
}

function parseFixture(text: string, name: string): ScriptedFixture {
  let raw: unknown;
  try {
    // No custom tags, and aliases bounded: a fixture is data.
    raw = parse(text, { maxAliasCount: 100, customTags: [] });
  } catch (error) {
    throw new ConfigError(`scripted fixture "${name}": invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = scriptedFixtureSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`scripted fixture "${name}": ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}
