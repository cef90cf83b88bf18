import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RepoOptions } from '../core/run-options.js';
import { repositoryTestPlan } from './test-plan.js';

const repo = (testCommand = 'npm test'): RepoOptions => ({ source: '/r', kind: 'path', ref: 'HEAD', commit: 'c', testCommand });
const plan = (files: Record<string, string>, testCommand?: string) => repositoryTestPlan(repo(testCommand), Object.keys(files), async (path) => files[path]);
const PLAIN = {
  'package.json': JSON.stringify({ type: 'module', scripts: { test: 'node --test' } }),
  'src/calc.js': 'export const add = (a, b) => a + b;\n',
  'src/types.ts': 'export type N = number;\n',
  'test/calc.test.js': "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/calc.js';\ntest('adds', () => assert.equal(add(1, 2), 3));\n",
  'lib/util-test.mjs': "import assert from 'assert';\nassert.ok(true);\n",
  'README.md': '# r\n',
};

describe("where a repository's tests run", () => {
  it('plain JavaScript with node:test: the files node --test would run, in the wasm-js lane', async () => {
    assert.deepEqual(await plan(PLAIN), { lane: 'wasm', tests: ['test/calc.test.js', 'lib/util-test.mjs'], files: ['src/calc.js', 'src/types.ts', 'test/calc.test.js', 'lib/util-test.mjs', 'package.json'] });
    const named = await plan({ ...PLAIN, 'package.json': JSON.stringify({ scripts: { test: 'node --test test/' } }) });
    assert.deepEqual(named.lane === 'wasm' && named.tests, ['test/calc.test.js']);
  });

  it('anything that needs a real Node.js or a toolchain runs its own command in the process lane, saying why', async () => {
    const cases: Array<[Record<string, string>, string | undefined, RegExp]> = [
      [{ ...PLAIN, 'package.json': JSON.stringify({ scripts: { test: 'node --test' }, devDependencies: { tap: '^18' } }) }, undefined, /package\.json declares devDependencies/],
      [{ ...PLAIN, 'src/calc.js': "const fs = require('fs');\n" }, undefined, /src\/calc\.js loads modules at run time/],
      [{ ...PLAIN, 'src/calc.js': "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n" }, undefined, /src\/calc\.js imports node:fs/],
      [{ ...PLAIN, 'src/calc.js': 'export const home = process.env.HOME;\n' }, undefined, /uses Node\.js's own globals/],
      [{ ...PLAIN, 'src/calc.js': 'export const = ;\n' }, undefined, /does not parse as an ES module/],
      [PLAIN, 'make test', /the test command \(make test\) is not node --test/],
      [{ ...PLAIN, 'package.json': JSON.stringify({ scripts: { test: 'jest' } }) }, undefined, /is not node --test/],
    ];
    for (const [files, command, why] of cases) {
      const planned = await plan(files, command);
      assert.equal(planned.lane, 'process', JSON.stringify(files));
      assert.match(planned.lane === 'process' ? planned.why : '', why);
    }
  });
});
