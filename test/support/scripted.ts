import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { ScriptedFixture } from '../../src/gateway/providers/scripted/scripted-fixture.js';

const FIXTURE_DIR = new URL('../../fixtures/scripted/', import.meta.url);

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
  const file = join(mkdtempSync(join(tmpdir(), 'umca-fixture-')), 'fixture.yaml');
  const rewrite = (next: ScriptedFixtureInput) => writeFileSync(file, stringify({ name: 'test', ...next }));
  rewrite(fixture);
  return { model: `scripted:${file}`, rewrite };
}
