import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LaneSelector } from './lane-selector.js';
import type { SandboxJob, SandboxLane, SandboxLanguage } from './sandbox-lane.js';

/** Lanes that only have to be told apart; the selector never runs them. */
function namedLane(name: string, languages: SandboxLanguage[]): SandboxLane {
  return {
    name,
    languages: new Set(languages),
    warm: async () => undefined,
    run: async () => assert.fail('the selector must not run a job'),
    close: async () => undefined,
  };
}

const lanes = [namedLane('wasm-js', ['javascript']), namedLane('wasm-python', ['python']), namedLane('process', ['javascript', 'python', 'bash'])];
const limits = { timeoutMs: 5_000, memoryBytes: 64 << 20, outputBytes: 1 << 20 };
const job = (files: Record<string, string>, extra: Partial<SandboxJob> = {}): SandboxJob => ({ files, limits, ...extra });
const ts = { 'src/a.ts': '', 'test/a.test.ts': '' };
const py = { 'a.py': '', 'test_a.py': '' };

describe('lane selector', () => {
  const selector = new LaneSelector({ lanes });

  it('puts JS/TS in wasm-js and Python in wasm-python by default, saying why', () => {
    const js = selector.select({ job: job(ts) });
    assert.ok(js.ok);
    assert.equal(js.lane.name, 'wasm-js');
    assert.equal(js.language, 'javascript');
    assert.match(js.reason, /default lane for JavaScript\/TypeScript: WebAssembly/);
    const python = selector.select({ job: job(py) });
    assert.ok(python.ok);
    assert.equal(python.lane.name, 'wasm-python');
  });

  for (const [what, request, reason] of [
    ['bash', { job: job({ 'test_a.sh': '' }) }, /bash runs only as a real process/],
    ['a time budget over 60 s', { job: job(py, { limits: { ...limits, timeoutMs: 120_000 } }) }, /time budget \(120 s\) is over 60 s/],
    ['native dependencies', { job: job(py), nativeDependencies: true }, /native dependencies/],
    ['network egress', { job: job(ts, { egress: { allowedOutboundHosts: ['pypi.org:443'] } }) }, /network egress granted to pypi\.org:443/],
    ['a run that asks for it', { job: job(ts), runtime: 'process' }, /the run asked for the process lane/],
  ] as const) {
    it(`sends ${what} to the process lane with the reason, and refuses it to a WebAssembly-only run`, () => {
      const chosen = selector.select(request);
      assert.ok(chosen.ok);
      assert.equal(chosen.lane.name, 'process');
      assert.match(chosen.reason, reason);
      if ('runtime' in request) return;
      const wasmOnly = selector.select({ ...request, runtime: 'wasm' });
      assert.ok(!wasmOnly.ok);
      assert.equal(wasmOnly.code, 'wasm_only');
      assert.match(wasmOnly.message, /needs the process lane .* but the run asked for WebAssembly only/);
    });
  }

  it('says so when the machine has no process lane', () => {
    const wasmOnly = new LaneSelector({ lanes: [lanes[0]!] });
    const python = wasmOnly.select({ job: job(py) });
    assert.ok(!python.ok);
    assert.equal(python.code, 'no_lane');
    assert.match(python.message, /no WebAssembly lane for Python is configured.*not available on this machine/);
  });

  it('answers a job it cannot place with bad_job', () => {
    const mixed = selector.select({ job: job({ 'test_a.py': '', 'a.test.ts': '' }) });
    assert.ok(!mixed.ok);
    assert.equal(mixed.code, 'bad_job');
    assert.match(mixed.message, /mix languages/);
  });

  it('runs process jobs under gVisor when configured so, or when a run asks for it by name', () => {
    const gvisor = namedLane('gvisor', ['javascript', 'python', 'bash']);
    const configured = new LaneSelector({ lanes: [...lanes, gvisor], processLane: 'gvisor' });
    const bash = configured.select({ job: job({ 'test_a.sh': '' }) });
    assert.ok(bash.ok);
    assert.equal(bash.lane.name, 'gvisor');
    const asked = selector.select({ job: job(py), runtime: 'gvisor' });
    assert.ok(!asked.ok);
    assert.equal(asked.code, 'no_lane');
    assert.match(asked.message, /gVisor, which is not available on this machine \(install runsc\)/);
    const both = new LaneSelector({ lanes: [...lanes, gvisor] });
    const named = both.select({ job: job(py), runtime: 'gvisor' });
    assert.ok(named.ok);
    assert.equal(named.lane.name, 'gvisor');
    const plain = both.select({ job: job({ 'test_a.sh': '' }) });
    assert.ok(plain.ok);
    assert.equal(plain.lane.name, 'process');
  });
});
