import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../../core/errors.js';

const replySchema = z.union([
  z.string(),
  z.strictObject({
    content: z.string().default(''),
    delay_ms: z.number().int().nonnegative().optional(),
    tool_calls: z.array(z.strictObject({ name: z.string(), arguments: z.record(z.string(), z.unknown()) })).optional(),
  }),
]);

export const scriptedFixtureSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  /** The spec this fixture answers, for `umca run --model scripted:NAME` without a spec. */
  spec: z.string().optional(),
  /** Wait before each reply, to behave like a model's pace. */
  delay_ms: z.number().int().nonnegative().default(0),
  /** Replies per role, in turn order; the last one repeats for later turns. */
  replies: z.record(z.string(), z.array(replySchema).min(1)),
});

export type ScriptedFixture = z.infer<typeof scriptedFixtureSchema>;
export type ScriptedReply = z.infer<typeof replySchema>;

const BUILT_IN_DIR = fileURLToPath(new URL('../../../../fixtures/scripted/', import.meta.url));

/** Names of the fixtures shipped in `fixtures/scripted/`. */
export function listShippedFixtures(): string[] {
  return readdirSync(BUILT_IN_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.slice(0, -'.yaml'.length))
    .sort();
}

/** `demo` names a fixture shipped in `fixtures/scripted/`; anything with a slash or `.yaml` is a path. */
export function resolveFixturePath(ref: string): string {
  if (/[\\/]/.test(ref) || /\.ya?ml$/.test(ref)) return ref;
  return `${BUILT_IN_DIR}${ref}.yaml`;
}

export function loadScriptedFixture(ref: string): ScriptedFixture {
  const file = resolveFixturePath(ref);
  if (!existsSync(file)) throw new ConfigError(`scripted fixture "${ref}" not found (looked for ${file})`);
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = scriptedFixtureSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * The spec a `scripted:…` model's fixture answers, so a demo needs no typing; undefined for
 * other models and for fixtures that carry none.
 */
export function fixtureSpec(model: string): string | undefined {
  if (!model.startsWith('scripted:')) return undefined;
  try {
    return loadScriptedFixture(model.slice('scripted:'.length)).spec;
  } catch {
    return undefined; // an unknown fixture is the model's problem, reported where the model is resolved
  }
}
