import { readFileSync, existsSync, statSync } from 'node:fs';
import { resolve, dirname, isAbsolute } from 'node:path';
import type { z } from 'zod';
import { configSchema, type UmcaConfig } from './config.js';
import { ConfigError } from './errors.js';
import { parseYamlText } from './parse-yaml.js';

export interface LoadConfigOptions {
  /** An explicit file (`--config`); it must exist. Otherwise `./umca.yaml` if present. */
  file?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: UmcaConfig;
  /** The file read, if any. */
  file: string | undefined;
}

/**
 * Reads and validates the config. Errors are one line that names the file, the field
 * path and what was expected, e.g. `umca.yaml: server.port: expected number, received string`.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  let file: string | undefined;
  let raw: unknown = {};
  if (options.file !== undefined) {
    file = resolve(cwd, options.file);
    if (!existsSync(file)) throw new ConfigError(`config file not found: ${options.file}`);
  } else if (existsSync(resolve(cwd, 'umca.yaml'))) {
    file = resolve(cwd, 'umca.yaml');
  }
  if (file !== undefined) raw = parseYaml(file);
  const config = parseConfig(raw ?? {}, file ?? 'config');
  applyEnv(config, env);
  // A relative home is relative to the config file's folder, or the working dir.
  if (!isAbsolute(config.home)) config.home = resolve(file ? dirname(file) : cwd, config.home);
  const fixtures = config.scripted.fixtures_dir;
  if (fixtures !== undefined && !isAbsolute(fixtures)) config.scripted.fixtures_dir = resolve(file ? dirname(file) : cwd, fixtures);
  return { config, file };
}

export function parseConfig(raw: unknown, source = 'config'): UmcaConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${source}: ${describeIssue(parsed.error.issues[0])}`);
  return parsed.data;
}

function parseYaml(file: string): unknown {
  const info = statSync(file, { throwIfNoEntry: false });
  if (!info?.isFile()) throw new ConfigError(`${file}: not a file`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseYamlText(text, file);
}

function applyEnv(config: UmcaConfig, env: NodeJS.ProcessEnv): void {
  if (env.UMCA_HOME) config.home = env.UMCA_HOME;
  if (env.UMCA_DATABASE_URL) config.database_url = env.UMCA_DATABASE_URL;
  if (env.UMCA_FIXTURES_DIR) config.scripted.fixtures_dir = env.UMCA_FIXTURES_DIR;
  if (env.UMCA_NATS_URL) {
    if (!/^(nats|tls|wss?):\/\/\S+$/.test(env.UMCA_NATS_URL)) throw new ConfigError(`UMCA_NATS_URL: expected a nats:// URL, got "${env.UMCA_NATS_URL}"`);
    config.nats.url = env.UMCA_NATS_URL;
  }
  if (config.database_url !== undefined && config.database_url !== '' && !/^postgres(ql)?:\/\//.test(config.database_url)) {
    throw new ConfigError(`database_url (or UMCA_DATABASE_URL): expected a postgres:// URL, got "${config.database_url}"`);
  }
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid config';
  const path = issue.path.length ? issue.path.join('.') : '(root)';
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length ? `${path}.` : '';
    return `${prefix}${issue.keys.join(', ')}: unknown field`;
  }
  return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
}
