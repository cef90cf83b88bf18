import { ConfigError } from '../../core/errors.js';

/**
 * Replaces `${env:NAME}` in a config value with that environment variable, as VS Code's
 * mcp.json does, so secrets stay out of umca.yaml. A variable that is not set is a config
 * error naming the field.
 */
export function expandEnv(value: string, field: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const found = env[name];
    if (found === undefined) throw new ConfigError(`${field}: environment variable ${name} is not set`);
    return found;
  });
}

export function expandEnvRecord(values: Record<string, string>, field: string): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, expandEnv(value, `${field}.${key}`)]));
}
