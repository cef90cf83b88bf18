import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ProcessLane } from './process-lane.js';

/**
 * A repository's own test command in the process lane: the command runs as the repository
 * would run it, and each test's outcome comes back where the runner can report it — node:test
 * through a reporter added in NODE_OPTIONS, pytest through its JUnit XML — else one outcome
 * for the whole command.
 */
const lane = new ProcessLane();
after(() => lane.close());
const limits = { timeoutMs: 60_000, memoryBytes: 256 * 1024 * 1024, outputBytes: 1 << 20 };

describe('test commands in the process lane', () => {
  it('npm test running node:test reports each test, failures with their assertion', async () => {
    const result = await lane.run({
      files: {
        'package.json': JSON.stringify({ name: 'x', scripts: { test: 'node --test' } }),
        'test/a.test.js': "const { test, describe } = require('node:test'); const assert = require('node:assert');\ndescribe('sums', () => { test('one', () => {}); test('two', () => assert.equal(1, 2)); });",
      },
      blobs: { 'data/bytes.bin': Uint8Array.from([0, 255, 1]) },
      command: 'npm test',
      limits,
    });
    assert.equal(result.status, 'ok', result.message);
    assert.deepEqual(result.tests.map((t) => [t.name, t.ok]), [['sums > one', true], ['sums > two', false]]);
    assert.match(result.tests[1]!.error!, /AssertionError.*1 == 2/);
    assert.match(result.stdout, /✖ two/, "the runner's own output is kept");
  });

  it("pytest reports each test through its JUnit XML, the failure's message decoded", async () => {
    const result = await lane.run({
      files: { 'test_a.py': "def test_one():\n    assert 1 == 1\n\ndef test_two():\n    assert 1 == 2, 'one & two <differ>'\n" },
      command: 'python3 -m pytest -q',
      limits,
    });
    assert.equal(result.status, 'ok', `${result.message}\n${result.stdout}${result.stderr}`);
    assert.deepEqual(result.tests.map((t) => [t.name, t.ok]), [['test_a::test_one', true], ['test_a::test_two', false]]);
    assert.match(result.tests[1]!.error!, /one & two <differ>/);
  });

  it('a runner that prints TAP reports each test point, subtests under their parents, skips left out', async () => {
    const tap = 'TAP version 13\n# Subtest: suite\n    ok 1 - inner\n    1..1\nok 1 - suite\nnot ok 2 - two\n  ---\n  message: boom\n  ...\nok 3 - later # SKIP\n1..3\n';
    const result = await lane.run({ files: { 'run-tests.sh': `printf '%s' '${tap}'\nexit 1\n` }, command: 'sh run-tests.sh', limits });
    assert.deepEqual(result.tests.map((t) => [t.name, t.ok, t.error]), [['suite > inner', true, undefined], ['two', false, 'boom']]);
  });

  it('a runner that reports no test one by one gives one outcome: the exit status and its last line', async () => {
    const failing = await lane.run({ files: { Makefile: 'test:\n\t@echo checking >&2; exit 3\n' }, command: 'make test', limits });
    assert.deepEqual(failing.tests.map((t) => [t.name, t.ok]), [['make test', false]]);
    assert.match(failing.tests[0]!.error!, /exited with status 2: make: \*\*\* \[Makefile:2: test\] Error 3/);
    const passing = await lane.run({ files: { 'check.sh': 'exit 0\n' }, command: 'sh check.sh', limits });
    assert.deepEqual(passing.tests.map((t) => [t.name, t.ok]), [['sh check.sh', true]]);
  });

  it('a command past its time limit is a timeout, with no outcome made up for it', async () => {
    const result = await lane.run({ files: { 'x.txt': '' }, command: 'sleep 30', limits: { ...limits, timeoutMs: 500 } });
    assert.equal(result.status, 'timeout');
    assert.deepEqual(result.tests, []);
  });
});
