import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SandboxLimits } from '../sandbox-lane.js';
import { WasmJsLane } from './wasm-js-lane.js';

const limits: SandboxLimits = { timeoutMs: 2_000, memoryBytes: 32 * 1024 * 1024, outputBytes: 4_096 };
const lane = new WasmJsLane({ maxWorkers: 1, killGraceMs: 500 });
after(() => lane.close());

const testOf = (body: string) => ({ 'test/guest.test.js': `import test from 'node:test';\nimport assert from 'node:assert/strict';\n${body}` });

describe('wasm-js lane', () => {
  it('runs TypeScript sources and their tests, reporting each test', async () => {
    const result = await lane.run({
      limits,
      files: {
        'src/add.ts': 'export function add(a: number, b: number): number { return a + b; }\n',
        'test/add.test.ts': [
          "import { test } from 'node:test';",
          "import assert from 'node:assert/strict';",
          "import { add } from '../src/add.js';",
          "test('adds', () => { assert.equal(add(2, 3), 5); });",
          "test('is wrong on purpose', () => { assert.deepEqual({ a: add(1, 1) }, { a: 3 }); });",
          "test('awaits', async () => { assert.equal(await Promise.resolve(add(1, 2)), 3); });",
          "console.log('hello from the guest', { n: 1 });",
        ].join('\n'),
      },
    });
    assert.equal(result.status, 'ok', result.message);
    assert.deepEqual(result.tests.map((t) => [t.name, t.ok]), [['adds', true], ['is wrong on purpose', false], ['awaits', true]]);
    assert.match(result.tests[1]?.error ?? '', /AssertionError: expected \{"a":2\} to deeply equal \{"a":3\}/);
    assert.equal(result.stdout, 'hello from the guest {"n":1}\n');
    assert.equal(result.message, '2 passed, 1 failed');
  });

  it('gives the guest no host objects', async () => {
    const result = await lane.run({
      limits,
      files: testOf(`test('sandboxed', () => {
        assert.equal(typeof process, 'undefined');
        assert.equal(typeof require, 'undefined');
        assert.equal(typeof fetch, 'undefined');
        assert.equal(typeof globalThis.__umca_write, 'undefined');
        assert.equal(typeof globalThis.std, 'undefined');
        assert.equal(typeof globalThis.os, 'undefined');
      });`),
    });
    assert.equal(result.status, 'ok', result.message);
    assert.deepEqual(result.tests.map((t) => t.ok), [true], result.tests[0]?.error);
  });

  it('stops an infinite loop at the time limit', async () => {
    const result = await lane.run({ limits: { ...limits, timeoutMs: 300 }, files: testOf("test('spins', () => { for (;;) {} });") });
    assert.equal(result.status, 'timeout');
    assert.match(result.message, /300 ms/);
    assert.ok(result.durationMs < 300 + 500 + 1_000, `took ${result.durationMs} ms`);
  });

  it('stops an infinite loop at module top level too', async () => {
    const result = await lane.run({ limits: { ...limits, timeoutMs: 300 }, files: testOf('while (true) {}') });
    assert.equal(result.status, 'timeout');
  });

  for (const [name, body] of [
    ['arrays', 'const keep = []; for (;;) keep.push(new Array(100000).fill(1));'],
    ['strings', "let s = 'x'; for (;;) s += s;"],
    ['typed arrays', 'const keep = []; for (;;) keep.push(new Uint8Array(16 * 1024 * 1024));'],
  ] as const) {
    it(`stops unbounded allocation of ${name} as oom, and the next job runs`, async () => {
      const result = await lane.run({ limits, files: testOf(`test('bomb', () => { ${body} });`) });
      assert.equal(result.status, 'oom', result.message);
      const next = await lane.run({ limits, files: testOf("test('fine', () => assert.ok(true));") });
      assert.equal(next.status, 'ok', next.message);
      assert.equal(next.tests[0]?.ok, true);
    });
  }

  it('stops unbounded output at the output limit, keeping what fits', async () => {
    const result = await lane.run({ limits, files: testOf("test('floods', () => { for (;;) console.log('spam spam spam'); });") });
    assert.equal(result.status, 'output_limit');
    assert.equal(result.outputTruncated, true);
    // Output and the test's record share the one limit: stdout keeps what the record leaves.
    const kept = Buffer.byteLength(result.stdout);
    assert.ok(kept <= limits.outputBytes && kept > limits.outputBytes - 200, `kept ${kept} bytes`);
    assert.match(result.stdout, /^spam spam spam\n/);
  });

  it('reports a syntax error with its file and line', async () => {
    const result = await lane.run({ limits, files: { 'src/bad.ts': 'export const = 1;', 'test/bad.test.ts': "import '../src/bad.js';" } });
    assert.equal(result.status, 'nonzero_exit');
    assert.match(result.message, /src\/bad\.ts:1:/);
  });

  it('runs JavaScript as written (no transpiling) and still names the file and line of a syntax error', async () => {
    const result = await lane.run({ limits, entry: 'src/main.js', files: { 'src/main.js': 'const ok = 1;\nconsole.log(1 +);' } });
    assert.equal(result.status, 'nonzero_exit');
    assert.match(result.message, /SyntaxError: src\/main\.js:2:\d+: unexpected token/);
  });

  it('reports a missing import as an error, not a crash', async () => {
    const result = await lane.run({ limits, files: testOf("import { nope } from './missing.js';") });
    assert.equal(result.status, 'nonzero_exit');
    assert.match(result.message, /missing/);
  });

  it('runs timers on a virtual clock: in order, instantly, and cancellable', async () => {
    const started = performance.now();
    const result = await lane.run({
      limits,
      files: testOf(`test('timers', async () => {
        const seen = [];
        setTimeout(() => seen.push('b'), 10_000);
        setTimeout(() => seen.push('a'), 5);
        const cancelled = setTimeout(() => seen.push('never'), 1);
        clearTimeout(cancelled);
        let ticks = 0;
        const every = setInterval(() => { ticks += 1; if (ticks === 3) clearInterval(every); }, 100);
        await new Promise((resolve) => setTimeout(resolve, 20_000));
        assert.deepEqual(seen, ['a', 'b']);
        assert.equal(ticks, 3);
      });`),
    });
    assert.equal(result.status, 'ok', result.message);
    assert.equal(result.tests[0]?.ok, true, result.tests[0]?.error);
    assert.ok(performance.now() - started < 5_000, 'a 20 s virtual wait must not take real time');
  });

  it('runs a program: console.error goes to stderr, a throw is a nonzero exit', async () => {
    const ok = await lane.run({ limits, entry: 'main.ts', files: { 'main.ts': "const n: number = 2;\nconsole.log('out', n);\nconsole.error('err');" } });
    assert.equal(ok.status, 'ok', ok.message);
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.stdout, 'out 2\n');
    assert.equal(ok.stderr, 'err\n');
    const thrown = await lane.run({ limits, entry: 'main.js', files: { 'main.js': "throw new RangeError('bad input');" } });
    assert.equal(thrown.status, 'nonzero_exit');
    assert.equal(thrown.exitCode, 1);
    assert.match(thrown.message, /RangeError: bad input/);
  });
});
