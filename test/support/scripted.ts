import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { ScriptedFixture } from '../../src/gateway/providers/scripted/scripted-fixture.js';

const FIXTURE_DIR = new URL('../../fixtures/scripted/', import.meta.url);

/**
 * The fixtures directory of this test process (`scripted.fixtures_dir`): set in the
 * environment, so umca processes a test starts find the same fixtures by name.
 */
export const TEST_FIXTURES_DIR = (process.env.UMCA_FIXTURES_DIR ??= mkdtempSync(join(tmpdir(), 'umca-fixtures-')));

/** The shipped demo fixture, as data to vary in a test. */
export function demoFixture(): ScriptedFixture {
  return parse(readFileSync(new URL('demo.yaml', FIXTURE_DIR), 'utf8')) as ScriptedFixture;
}

/** Writes a fixture to a temp file and returns the model reference for it. */
export function scriptedModel(fixture: ScriptedFixtureInput): string {
  return scriptedFixtureFile(fixture).model;
}

type ScriptedFixtureInput = Partial<ScriptedFixture> & { replies: ScriptedFixture['replies'] };

/**
 * A fixture file whose content a test can replace later: processes started afterwards
 * (a resume, a restarted server) read the new replies under the same model reference.
 */
export function scriptedFixtureFile(fixture: ScriptedFixtureInput): { model: string; rewrite(next: ScriptedFixtureInput): void } {
  const name = `test-${randomBytes(6).toString('hex')}`;
  const file = join(TEST_FIXTURES_DIR, `${name}.yaml`);
  const rewrite = (next: ScriptedFixtureInput) => writeFileSync(file, stringify({ name: 'test', ...next }));
  rewrite(fixture);
  return { model: `scripted:${name}`, rewrite };
}

/** The spec the shipped demo fixture answers (its research quotes it, so the G2 gate holds). */
export const DEMO_SPEC = demoFixture().spec!;

/**
 * A planner reply for `spec`: one requirement (the spec itself) traced to one step and one
 * acceptance criterion, with the given files, so the G1 gate's structure checks pass.
 */
export function planFor(spec: string, language: 'typescript' | 'javascript' | 'python', files: string[]): string {
  return JSON.stringify({
    title: 't',
    summary: spec,
    language,
    requirements: [{ id: 'R1', text: spec, steps: ['S1'], tests: ['A1'] }],
    steps: [{ id: 'S1', description: spec }],
    files,
    acceptance: [{ id: 'A1', text: `tests show: ${spec}` }],
  });
}

/** The judge's and the researcher's replies when nothing is wrong: full rubric marks, no facts to cite. */
export const PASSING_REVIEW = {
  judge: [
    JSON.stringify(Object.fromEntries(['coverage', 'testability', 'feasibility', 'focus'].map((id) => [id, { score: 1, reason: `${id} is fine` }]))),
  ],
  researcher: ['{"findings": []}'],
};
