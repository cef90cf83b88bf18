import { parseDocument } from 'yaml';
import { ConfigError } from './errors.js';

/** Aliases a document may expand: a few anchors are normal, thousands are an expansion bomb. */
const MAX_ALIAS_COUNT = 100;

/**
 * YAML as plain data, for config files and fixtures: syntax errors, tags YAML's core schema
 * does not know (`!!js/function`, `!custom`) and alias bombs are refused with one line naming
 * `source` and the line, never accepted silently or thrown as a stack.
 */
export function parseYamlText(text: string, source: string): unknown {
  const doc = parseDocument(text);
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/^Unresolved tag: /, 'unknown tag ');
    throw new ConfigError(`${source}${line ? `:${line}` : ''}: invalid YAML: ${message}`);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new ConfigError(`${source}: invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}
