import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { ProcessLane } from './process/process-lane.js';
import type { SandboxLane, SandboxLanguage, SandboxLimits } from './sandbox-lane.js';
import { WasmJsLane } from './wasm-js/wasm-js-lane.js';
import { WasmPythonLane } from './wasm-python/wasm-python-lane.js';

/** Programs that do the same thing in each language, for the contract below. */
interface LanguageCase {
  ext: string;
  hello: string;
  fails: string;
  spins: string;
  floods: string;
  /** Writes `made` to out.txt; undefined where the lane has no file system. */
  writes?: string;
  tests: Record<string, string>;
}

const JS: LanguageCase = {
  ext: 'ts',
  hello: "const greeting: string = 'hello';\nconsole.log(greeting);\nconsole.error('oops');",
  fails: "throw new Error('boom');",
  spins: 'for (;;) {}',
  floods: "for (;;) console.log('x'.repeat(100));",
  tests: {
    'src/add.ts': 'export const add = (a: number, b: number): number => a + b;\n',
    'test/add.test.ts': "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/add.js';\ntest('adds', () => { assert.equal(add(2, 3), 5); });\ntest('is wrong on purpose', () => { assert.equal(add(2, 2), 5); });\n",
  },
};
const JS_WITH_FS: LanguageCase = { ...JS, writes: "import { writeFileSync } from 'node:fs';\nwriteFileSync('out.txt', 'made');" };

const PYTHON: LanguageCase = {
  ext: 'py',
  hello: "import sys\ngreeting = 'hello'\nprint(greeting)\nprint('oops', file=sys.stderr)",
  fails: "raise ValueError('boom')",
  spins: 'while True:\n    pass',
  floods: "while True:\n    print('x' * 100)",
  writes: "with open('out.txt', 'w') as f:\n    f.write('made')",
  tests: {
    'calc.py': 'def add(a, b):\n    return a + b\n',
    'test_calc.py': 'import unittest\nfrom calc import add\n\nclass AddTest(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(add(2, 3), 5)\n\n    def test_wrong_on_purpose(self):\n        self.assertEqual(add(2, 2), 5)\n',
  },
};

const BASH: LanguageCase = {
  ext: 'sh',
  hello: 'greeting=hello\necho "$greeting"\necho oops >&2',
  fails: 'echo boom >&2\nexit 3',
  spins: 'while :; do :; done',
  floods: 'line=$(printf "x%.0s" $(seq 100))\nwhile :; do echo "$line"; done',
  writes: 'printf made > out.txt',
  tests: { 'test_adds.sh': '[ $((2 + 3)) -eq 5 ]\n', 'test_wrong_on_purpose.sh': '[ $((2 + 2)) -eq 5 ]\n' },
};

const limits: SandboxLimits = { timeoutMs: 5_000, memoryBytes: 64 * 1024 * 1024, outputBytes: 8_192 };

const lanes: Array<{ lane: SandboxLane; cases: Partial<Record<SandboxLanguage, LanguageCase>> }> = [
  { lane: new WasmJsLane({ maxWorkers: 1, killGraceMs: 500 }), cases: { javascript: JS } },
  { lane: new WasmPythonLane({ poolSize: 1 }), cases: { python: PYTHON } },
  { lane: new ProcessLane(), cases: { javascript: JS_WITH_FS, python: PYTHON, bash: BASH } },
  // The process lane's second runtime; CI installs runsc (.ci/run).
  { lane: new ProcessLane({ runtime: 'gvisor' }), cases: { javascript: JS_WITH_FS, python: PYTHON, bash: BASH } },
];
after(() => Promise.all(lanes.map(({ lane }) => lane.close())));

for (const { lane, cases } of lanes) {
  describe(`SandboxLane contract: ${lane.name}`, () => {
    it('says which languages it runs, and refuses others with a clear message', async () => {
      assert.deepEqual([...lane.languages].sort(), Object.keys(cases).sort());
      const other = (['javascript', 'python', 'bash'] as const).find((l) => !lane.languages.has(l));
      if (!other) return;
      const file = { javascript: 'main.js', python: 'main.py', bash: 'main.sh' }[other];
      const result = await lane.run({ files: { [file]: '' }, entry: file, limits });
      assert.equal(result.status, 'nonzero_exit');
      assert.match(result.message, new RegExp(`not ${other}`));
    });

    it('refuses a job with no test files and an entry that is not among the files', async () => {
      assert.match((await lane.run({ files: { 'README.md': 'hi' }, limits })).message, /no test files/);
      assert.match((await lane.run({ files: { 'README.md': 'hi' }, entry: 'main.py', limits })).message, /entry "main.py" is not among the job's files/);
    });

    for (const [language, c] of Object.entries(cases)) {
      const entry = `main.${c.ext}`;
      describe(language, () => {
        it('runs a program: stdout and stderr apart, exit status 0', async () => {
          await lane.warm(limits);
          const result = await lane.run({ files: { [entry]: c.hello }, entry, limits });
          assert.equal(result.status, 'ok', `${result.message}\n${result.stderr}`);
          assert.equal(result.exitCode, 0);
          assert.equal(result.stdout, 'hello\n');
          assert.equal(result.stderr, 'oops\n');
          assert.ok(result.usage.wallMs > 0 && result.durationMs >= result.usage.wallMs);
        });

        it('classifies a failing program as nonzero_exit, naming the error', async () => {
          const result = await lane.run({ files: { [entry]: c.fails }, entry, limits });
          assert.equal(result.status, 'nonzero_exit');
          assert.notEqual(result.exitCode, 0);
          assert.match(result.message, /boom|status 3/);
        });

        it('runs the tests and reports each one', async () => {
          const result = await lane.run({ files: c.tests, limits });
          assert.equal(result.status, 'ok', `${result.message}\n${result.stderr}`);
          assert.equal(result.message, '1 passed, 1 failed');
          const byOutcome = Object.fromEntries(result.tests.map((t) => [t.ok ? 'passed' : 'failed', t]));
          assert.match(byOutcome.passed!.name, /adds/);
          assert.match(byOutcome.failed!.name, /wrong_on_purpose|wrong on purpose/);
          assert.ok(byOutcome.failed!.error, 'a failed test says why');
        });

        it('stops an endless loop at the time limit', async () => {
          const result = await lane.run({ files: { [entry]: c.spins }, entry, limits: { ...limits, timeoutMs: 500 } });
          assert.equal(result.status, 'timeout', result.message);
          assert.equal(result.exitCode, null);
          assert.match(result.message, /500 ms/);
        });

        it('stops an output flood at the output limit, keeping what fits', async () => {
          const result = await lane.run({ files: { [entry]: c.floods }, entry, limits });
          assert.equal(result.status, 'output_limit', result.message);
          assert.equal(result.outputTruncated, true);
          assert.ok(Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr) <= limits.outputBytes);
          assert.match(result.stdout, /^x{100}\n/);
        });

        if (c.writes) {
          it('collects the files the program wrote as artifacts, not the inputs', async () => {
            const result = await lane.run({ files: { [entry]: c.writes!, 'data.txt': 'input' }, entry, limits });
            assert.equal(result.status, 'ok', `${result.message}\n${result.stderr}`);
            assert.deepEqual(result.artifacts, [{ path: 'out.txt', size: 4, sha256: createHash('sha256').update('made').digest('hex'), content: 'made' }]);
          });
        }
      });
    }
  });
}
