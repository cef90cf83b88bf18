import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { attempt, CANARY, createLanes, limits } from './support/attempts.js';

// What a job returns is the host's record, not the guest's claim: verdicts a guest cannot
// forge, outputs read without following links or blocking, everything counted toward one limit.
const lanes = createLanes();
after(() => Promise.all(lanes.all.map((lane) => lane.close())));

const FAILING = "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\ntest('fails', () => assert.equal(1, 2));\n";

describe('sandbox security: results a guest cannot forge', () => {
  for (const [builtin, patch] of [
    ['Array.prototype.push', 'Array.prototype.push = function (r) { if (r && r.ok === false) { r.ok = true; delete r.error; } return 0; };'],
    ['JSON.stringify', "JSON.stringify = () => '[{\"name\":\"fails\",\"ok\":true,\"duration_ms\":0}]';"],
    ['Date.now', 'let t = 1e12; Date.now = () => (t -= 1000);'],
    ['Promise.prototype.then', 'const then = Promise.prototype.then; Promise.prototype.then = function (ok, ko) { return then.call(this, ok, ok); };'],
    ['Array.prototype[Symbol.iterator]', 'Array.prototype[Symbol.iterator] = function* () {};'],
    ['Object.prototype setters', "Object.defineProperty(Object.prototype, 'ok', { set() {}, get() { return true; }, configurable: true });"],
    ['globalThis.__umca_result', "Object.defineProperty(globalThis, '__umca_result', { get: () => '[{\"name\":\"fails\",\"ok\":true,\"duration_ms\":0}]', set() {} });"],
  ] as const) {
    it(`wasm-js: patching ${builtin} does not turn a failing test into a pass`, async () => {
      const result = await lanes.wasmJs.run({ files: { 'patch.test.js': `${patch}\n${FAILING}` }, limits });
      assert.equal(result.status, 'ok', result.message);
      assert.deepEqual(result.tests.map((t) => [t.name, t.ok]), [['fails', false]], result.message);
      for (const test of result.tests) assert.ok(test.duration_ms >= 0 && Number.isFinite(test.duration_ms));
    });
  }

  it('wasm-js: a test the host never hears an outcome for is a failure', async () => {
    const result = await lanes.wasmJs.run({ files: { 'hang.test.js': "import { test } from 'node:test';\ntest('passes', () => {});\ntest('throws oddly', () => { throw { get message() { throw new Error('x'); } }; });\n" }, limits });
    assert.deepEqual(result.tests.map((t) => [t.name, t.ok]), [['passes', true], ['throws oddly', false]]);
  });

  it('process lane: a results file replaced by a FIFO, a link to a host file or a flood is no result, and nothing hangs', async () => {
    for (const lane of lanes.processLanes) {
      const started = performance.now();
      const link = await lane.run({ files: { 'a.test.js': "import { test } from 'node:test';\nimport { rmSync, symlinkSync } from 'node:fs';\ntest('fails', () => { throw new Error('no'); });\nprocess.on('exit', () => { rmSync('/umca-out/tests.jsonl', { force: true }); symlinkSync('/etc/passwd', '/umca-out/tests.jsonl'); });\n" }, limits });
      assert.deepEqual(link.tests.filter((t) => t.ok), [], `a link made the host read a file as results: ${JSON.stringify(link.tests).slice(0, 300)}`);
      const pipe = await lane.run({ files: { 'b.test.js': "import { test } from 'node:test';\nimport { rmSync } from 'node:fs';\nimport { execSync } from 'node:child_process';\ntest('fails', () => { throw new Error('no'); });\nprocess.on('exit', () => { rmSync('/umca-out/tests.jsonl', { force: true }); execSync('mkfifo /umca-out/tests.jsonl'); });\n" }, limits });
      assert.deepEqual(pipe.tests.filter((t) => t.ok), []);
      assert.ok(performance.now() - started < limits.timeoutMs * 4, 'reading a FIFO did not hang the job');
    }
  });

  it('process lane: test records and long names count toward the output limit, and a guest clock cannot make durations negative', async () => {
    for (const lane of lanes.processLanes) {
      const many = "import json\nwith open('/umca-out/tests.jsonl', 'w') as f:\n    for i in range(20000):\n        f.write(json.dumps({'name': 'n' * 1000 + str(i), 'ok': True, 'duration_ms': -5}) + '\\n')\n";
      const flood = await lane.run({ files: { 'test_flood.py': `import unittest\n${many}\nclass T(unittest.TestCase):\n    def test_a(self):\n        pass\n` }, limits: { ...limits, outputBytes: 64 * 1024 } });
      const bytes = JSON.stringify(flood.tests).length + flood.stdout.length + flood.stderr.length;
      assert.ok(bytes < 2 * 64 * 1024, `${bytes} bytes came back past a 64 KiB limit`);
      for (const test of flood.tests) {
        assert.ok(test.name.length <= 500);
        assert.ok(test.duration_ms >= 0);
      }
      const backwards = await lane.run({ files: { 'c.test.js': "import { test } from 'node:test';\nlet t = 1e12; Date.now = () => (t -= 1e6); performance.now = () => (t -= 1e6);\ntest('ok', () => {});\n" }, limits });
      for (const test of backwards.tests) assert.ok(test.duration_ms >= 0 && Number.isFinite(test.duration_ms));
    }
  });

  it('wasm-js: 10,000 test registrations with long names stop at the output limit', async () => {
    const result = await lanes.wasmJs.run({ files: { 'many.test.js': "import { test } from 'node:test';\nfor (let i = 0; i < 10000; i++) test('x'.repeat(2000) + i, () => {});\n" }, limits: { ...limits, outputBytes: 64 * 1024 } });
    assert.equal(result.status, 'output_limit', result.message);
    assert.ok(JSON.stringify(result.tests).length < 2 * 64 * 1024);
  });

  it('process lane: a test importing a host file by absolute path does not build; nothing of it is shown', async () => {
    for (const spec of ['/etc/passwd', '/proc/self/environ', 'file:///etc/hostname', '../../../../../etc/passwd']) {
      const result = await attempt(lanes.process, 'js', `import secret from ${JSON.stringify(spec)} with { type: 'text' };\nconsole.log(secret);\n`, ['nonzero_exit']);
      assert.match(result.message, /imports must stay inside the job's files/, spec);
      assert.ok(!result.message.includes(CANARY) && !/root:x:0/.test(result.stdout + result.message));
    }
  });
});
