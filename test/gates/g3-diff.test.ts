import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventDataOf } from '../../src/core/events.js';
import type { Principal } from '../../src/core/principal.js';
import { G3CodeGate, type CodeReviewInput } from '../../src/gates/g3-code.js';
import { CedarPolicyEngine } from '../../src/policy/cedar/cedar-policy-engine.js';
import { LaneSelector } from '../../src/sandbox/lane-selector.js';
import { idleLane } from '../support/idle-lane.js';
import { gateContext } from '../support/gate-context.js';

/**
 * G3 on a repository's diff: what the change adds is judged (not what the repository already
 * had), tests deleted or weakened block, and policy decides how risky a change may be.
 */
const lane = idleLane;
const gate = new G3CodeGate({
  policy: CedarPolicyEngine.load(),
  sandbox: new LaneSelector({ lanes: [lane('wasm-js', ['javascript']), lane('process', ['javascript', 'python', 'bash'])] }),
  threshold: 0.5,
  dependencies: { 'left-pad': { license: 'MIT' }, 'gpl-thing': { license: 'GPL-3.0' } },
  allowedLicenses: ['MIT'],
});
const operator: Principal = { id: 'user:ops', roles: ['operator'], via: 'oidc' };
const runner: Principal = { id: 'key:0a1b2c3d4e5f', roles: ['runner'], via: 'api-key' };
const limits = { timeoutMs: 5_000, memoryBytes: 64 << 20, outputBytes: 1 << 20 };
const TEST = "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/calc.js';\n\ntest('adds', () => assert.equal(add(2, 3), 5));\ntest('adds zero', () => assert.equal(add(2, 0), 2));\n";

function change(before: Record<string, string | null>, after: Record<string, string | null>, principal = operator, declared: string[] = []): CodeReviewInput {
  const files = Object.entries(after).flatMap(([path, content]) => (content === null ? [] : [{ path, content }]));
  return { files, change: { before, after, command: 'npm test', declared }, principal, egress: [], runtime: 'auto', limits };
}

async function judge(input: CodeReviewInput) {
  const context = gateContext('gate:g3-code#1');
  const verdict = await gate.evaluate(input, context);
  return { verdict, decisions: context.events.map((e) => e.data as EventDataOf<'policy.decision'>) };
}

const score = (verdict: Awaited<ReturnType<typeof judge>>['verdict'], id: string) => verdict.evaluators?.find((e) => e.id === id);

describe('G3 on a repository diff', () => {
  it('holds against the change only what it adds: an API, a secret, an import the repository had stay out of it', async () => {
    const had = "import { execSync } from 'node:child_process';\nconst token = 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB';\nimport pad from 'left-pad';\nexport const run = (c) => execSync(c);\n";
    const { verdict } = await judge(change({ 'scripts/run.js': had }, { 'scripts/run.js': `${had}export const two = 2;\n` }));
    assert.equal(verdict.decision, 'pass', verdict.reasons.join('; '));
    assert.equal(score(verdict, 'forbidden-apis')?.score, 1);
    assert.equal(score(verdict, 'secrets')?.score, 1);
  });

  it('blocks what a change adds: a forbidden API, a secret, an import of a package the repository does not depend on', async () => {
    const { verdict } = await judge(
      change(
        { 'src/calc.js': 'export const add = (a, b) => a - b;\n' },
        { 'src/calc.js': "import { execSync } from 'node:child_process';\nimport lodash from 'lodash';\nconst key = 'AKIAABCDEFGHIJKLMNOP';\nexport const add = (a, b) => Number(execSync(`echo ${a + b}`));\n" },
      ),
    );
    assert.equal(verdict.decision, 'block');
    assert.match(verdict.reasons.join('\n'), /the change adds forbidden APIs: src\/calc\.js:1 node:child_process starts host processes/);
    assert.match(verdict.reasons.join('\n'), /the change adds hard-coded secrets: src\/calc\.js:3/);
    assert.match(verdict.reasons.join('\n'), /the change imports packages the repository does not depend on: lodash \(src\/calc\.js:2\)/);
  });

  it('an import of a package the repository declared is no new dependency; declaring one is checked for its licence', async () => {
    const declared = await judge(change({ 'src/a.js': 'export const a = 1;\n' }, { 'src/a.js': "import _ from 'lodash';\nexport const a = _.identity(1);\n" }, operator, ['lodash']));
    assert.equal(score(declared.verdict, 'dependencies')?.score, 1, declared.verdict.reasons.join('; '));
    const manifest = JSON.stringify({ name: 'x', dependencies: { lodash: '^4' } });
    const added = await judge(change({ 'package.json': manifest }, { 'package.json': JSON.stringify({ name: 'x', dependencies: { lodash: '^4', 'left-pad': '^1', 'gpl-thing': '^1' } }) }));
    assert.equal(score(added.verdict, 'licenses')?.score, 0);
    assert.match(score(added.verdict, 'licenses')!.reason, /^dependencies added: gpl-thing \(added to package\.json\) is GPL-3\.0, not an allowed licence/);
    assert.doesNotMatch(score(added.verdict, 'licenses')!.reason, /lodash|left-pad/, 'what the repository had, and an allowed licence, are fine');
  });

  it('blocks a change that deletes a test file, removes tests or assertions, or skips tests; a renamed test file is fine', async () => {
    const cases: Array<[Record<string, string | null>, RegExp]> = [
      [{ 'test/calc.test.js': null }, /test\/calc\.test\.js deletes the test file \(2 tests\)/],
      [{ 'test/calc.test.js': TEST.replace("test('adds zero', () => assert.equal(add(2, 0), 2));\n", '') }, /test\/calc\.test\.js removes 1 of its 2 tests; test\/calc\.test\.js removes 1 of its 2 assertions/],
      // The guest's test file gains a skipped test (the call is built here, so this file holds no skip of its own).
      [{ 'test/calc.test.js': TEST.replace("test('adds zero'", `test.${'skip'}('adds zero'`) }, /test\/calc\.test\.js skips 1 more test/],
      [{ 'test/calc.test.js': TEST.replace('assert.equal(add(2, 0), 2)', 'true') }, /removes 1 of its 2 assertions/],
    ];
    for (const [after, reason] of cases) {
      const { verdict } = await judge(change({ 'test/calc.test.js': TEST }, after));
      assert.equal(verdict.decision, 'block', JSON.stringify(after));
      assert.match(verdict.reasons.join('; '), reason);
    }
    const renamed = await judge(change({ 'test/calc.test.js': TEST, 'test/math.test.js': null }, { 'test/calc.test.js': null, 'test/math.test.js': TEST }));
    assert.equal(score(renamed.verdict, 'tests')?.score, 1, renamed.verdict.reasons.join('; '));
  });

  it("asks policy to accept the change's risk: a runner's small change passes, a sweeping one waits for an operator", async () => {
    const small = await judge(change({ 'src/calc.js': 'export const add = (a, b) => a - b;\n' }, { 'src/calc.js': 'export const add = (a, b) => a + b;\n' }, runner));
    const risk = small.decisions.find((d) => d.action === 'accept-change');
    assert.equal(risk?.decision, 'allow');
    assert.equal(risk?.resource.type, 'Change');
    assert.match(score(small.verdict, 'risk')!.reason, /^risk 15 of 100 \(1 file, 2 lines, 2 public symbols, 0 manifests\): key:0a1b2c3d4e5f may accept-change/);
    const before: Record<string, string | null> = {};
    const after: Record<string, string | null> = {};
    for (let i = 0; i < 12; i += 1) {
      before[`src/m${i}.js`] = `export function f${i}() {\n  return ${i};\n}\n`;
      after[`src/m${i}.js`] = `export function g${i}() {\n  return ${i + 1};\n}\n`;
    }
    const sweeping = await judge(change(before, after, runner));
    assert.equal(sweeping.verdict.decision, 'block');
    assert.match(sweeping.verdict.reasons.join('; '), /risk 100 of 100 \(12 files, 48 lines, 24 public symbols, 0 manifests\): key:0a1b2c3d4e5f may not accept-change Change gate:g3-code#1/);
    const byOperator = await judge(change(before, after, operator));
    assert.equal(score(byOperator.verdict, 'risk')?.score, 1);
  });
});
