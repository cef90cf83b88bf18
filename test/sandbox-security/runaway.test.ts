import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { attempt, createLanes, limits } from './support/attempts.js';

// Code that never stops, eats memory or floods output: stopped, classified, host unharmed.
const lanes = createLanes();
after(() => Promise.all(lanes.all.map((lane) => lane.close())));

const quick = { limits: { ...limits, timeoutMs: 1_000 } };
// Filling memory takes a while in Pyodide; the bombs get time to hit the memory limit first.
const roomy = { limits: { ...limits, timeoutMs: 15_000 } };

describe('sandbox security: runaway guests', () => {
  it('stops endless loops, including catastrophic regex backtracking, as timeout in every lane', async () => {
    const jsRegex = "console.log(/^(a+)+$/.test('a'.repeat(64) + '!'));";
    const pyRegex = "import re\nprint(re.match(r'^(a+)+$', 'a' * 64 + '!'))";
    const jobs = [
      [lanes.wasmJs, 'js', 'for (;;) {}'],
      [lanes.wasmJs, 'js', jsRegex],
      [lanes.wasmJs, 'js', 'function spin() { Promise.resolve().then(spin); }\nspin();'],
      [lanes.wasmPython, 'py', pyRegex],
      ...lanes.processLanes.flatMap((lane) => [
        [lane, 'py', pyRegex],
        [lane, 'js', jsRegex],
        [lane, 'sh', 'while :; do :; done'],
      ] as const),
    ] as const;
    for (const [lane, kind, source] of jobs) {
      const result = await attempt(lane, kind, source, ['timeout'], quick);
      assert.ok(result.usage.wallMs < 1_000 + 2_000, `${lane.name} ran ${result.usage.wallMs} ms before it was stopped`);
    }
  });

  for (const [label, js, py, sh] of [
    ['strings', "let s = 'x'; for (;;) s += s;", "s = 'x'\nwhile True:\n    s += s", 'x=x; while :; do x=$x$x; done'],
    ['typed arrays / buffers', 'const keep = []; for (;;) keep.push(new Uint8Array(8 * 1024 * 1024).fill(1));', 'keep = []\nwhile True:\n    keep.append(bytearray(8 * 1024 * 1024))', undefined],
  ] as const) {
    it(`stops memory bombs made of ${label} as oom in every lane, and the lane keeps working`, async () => {
      for (const lane of [lanes.wasmJs, ...lanes.processLanes]) {
        const result = await attempt(lane, 'js', js, ['oom'], roomy);
        assert.match(result.message, /memory/);
        await attempt(lane, 'js', "console.log('after');", ['ok']);
      }
      for (const lane of [lanes.wasmPython, ...lanes.processLanes]) {
        const result = await attempt(lane, 'py', py, ['oom'], roomy);
        assert.match(result.message, /memory|MemoryError/);
      }
      for (const lane of lanes.processLanes) {
        if (sh) await attempt(lane, 'sh', sh, ['oom'], roomy);
        await attempt(lane, 'py', "print('after')", ['ok']);
      }
    });
  }

  it('stops output floods at the output limit in every lane, to stdout and to stderr', async () => {
    const floods = [
      [lanes.wasmJs, 'js', "for (;;) console.error('flood'.repeat(50));"],
      [lanes.wasmPython, 'py', "import sys\nwhile True:\n    sys.stderr.write('flood' * 50)"],
      ...lanes.processLanes.flatMap((lane) => [
        [lane, 'py', "while True:\n    print('flood' * 50)"],
        [lane, 'sh', 'yes flood'],
        // Written synchronously: an async write loop that never yields only fills node's own buffer (oom).
        [lane, 'js', "const { writeSync } = require('node:fs');\nfor (;;) writeSync(1, 'flood'.repeat(50));"],
      ] as const),
    ] as const;
    for (const [lane, kind, source] of floods) {
      const result = await attempt(lane, kind, source, ['output_limit']);
      assert.equal(result.outputTruncated, true);
      assert.ok(Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr) <= limits.outputBytes, `${lane.name} kept more than the limit`);
      assert.match(result.stdout + result.stderr, /^(flood)+/);
    }
  });
});
