import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessLane } from '../../../src/sandbox/process/process-lane.js';
import type { SandboxJob, SandboxLane, SandboxLimits, SandboxResult, SandboxStatus } from '../../../src/sandbox/sandbox-lane.js';
import { WasmJsLane } from '../../../src/sandbox/wasm-js/wasm-js-lane.js';
import { WasmPythonLane } from '../../../src/sandbox/wasm-python/wasm-python-lane.js';

/**
 * Secrets planted on the host before any sandbox starts: in umca's own environment, in a
 * UMCA_HOME directory, in a file in the host's /tmp. No guest output may ever contain them.
 */
export const CANARY = `canary-${randomBytes(8).toString('hex')}`;
process.env.UMCA_SECURITY_CANARY = CANARY;
export const UMCA_HOME = mkdtempSync(join(tmpdir(), 'umca-home-'));
writeFileSync(join(UMCA_HOME, 'secret.txt'), CANARY);
process.env.UMCA_HOME = UMCA_HOME;
export const HOST_TMP_SECRET = join(mkdtempSync(join(tmpdir(), 'umca-host-')), 'secret.txt');
writeFileSync(HOST_TMP_SECRET, CANARY);

export const limits: SandboxLimits = { timeoutMs: 3_000, memoryBytes: 64 * 1024 * 1024, outputBytes: 64 * 1024 };

/**
 * Every lane, and the process lane under both of its runtimes: `process` (bubblewrap) and
 * `gvisor` (runsc; CI installs it). Attacks on the process lane run against `processLanes`.
 */
export function createLanes(): { wasmJs: WasmJsLane; wasmPython: WasmPythonLane; process: ProcessLane; gvisor: ProcessLane; processLanes: ProcessLane[]; all: SandboxLane[] } {
  const wasmJs = new WasmJsLane({ maxWorkers: 1, killGraceMs: 500 });
  const wasmPython = new WasmPythonLane({ poolSize: 1 });
  const process = new ProcessLane({ maxProcesses: 64 });
  const gvisor = new ProcessLane({ maxProcesses: 64, runtime: 'gvisor' });
  return { wasmJs, wasmPython, process, gvisor, processLanes: [process, gvisor], all: [wasmJs, wasmPython, process, gvisor] };
}

const ENTRY = { js: 'main.js', py: 'main.py', sh: 'main.sh' } as const;

/**
 * Runs one attack as a program and checks it was contained: the result is one of the
 * expected classifications, it carries a readable message, and no planted secret leaked.
 */
export async function attempt(
  lane: SandboxLane,
  kind: keyof typeof ENTRY,
  source: string,
  expected: SandboxStatus[],
  job: Partial<SandboxJob> = {},
): Promise<SandboxResult> {
  const entry = ENTRY[kind];
  const result = await lane.run({ files: { [entry]: source }, entry, limits, ...job });
  const seen = `[${lane.name} ${entry}] ${result.status}: ${result.message}\n--- stdout\n${result.stdout.slice(0, 2_000)}\n--- stderr\n${result.stderr.slice(0, 2_000)}`;
  assert.ok(expected.includes(result.status), `expected ${expected.join(' or ')}, got ${seen}`);
  assert.ok(result.message.length > 0 && !result.message.includes('\n'), `one readable line, got ${JSON.stringify(result.message)}`);
  for (const text of [result.stdout, result.stderr, result.message, ...result.artifacts.map((a) => a.content ?? '')]) {
    assert.ok(!text.includes(CANARY), `a planted secret leaked: ${seen}`);
  }
  return result;
}
