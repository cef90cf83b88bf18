import assert from 'node:assert/strict';
import type { SandboxLane, SandboxLanguage } from '../../src/sandbox/sandbox-lane.js';

/** A lane a gate only has to tell apart from the others: it never runs a job. */
export const idleLane = (name: string, languages: SandboxLanguage[]): SandboxLane => ({
  name,
  languages: new Set(languages),
  warm: async () => undefined,
  run: async () => assert.fail('a gate must not run code'),
  close: async () => undefined,
});
