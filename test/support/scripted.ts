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
export function scriptedModel(fixture: Partial<ScriptedFixture> & { replies: ScriptedFixture['replies'] }): string {
  const dir = mkdtempSync(join(tmpdir(), 'umca-fixture-'));
  const file = join(dir, 'fixture.yaml');
  writeFileSync(file, stringify({ name: 'test', ...fixture }));
  return `scripted:${file}`;
}
