import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CodeFile } from '../../src/agents/code-files.js';
import type { EventDataOf } from '../../src/core/events.js';
import { G3CodeGate, type CodeReviewInput } from '../../src/gates/g3-code.js';
import type { Principal } from '../../src/core/principal.js';
import { CedarPolicyEngine } from '../../src/policy/cedar/cedar-policy-engine.js';
import { LaneSelector } from '../../src/sandbox/lane-selector.js';
import { idleLane } from '../support/idle-lane.js';
import { gateContext } from '../support/gate-context.js';
import { PASSING_REVIEW, planFor, scriptedModel } from '../support/scripted.js';
import { testUmca } from '../support/umca.js';

const lane = idleLane;
const sandbox = new LaneSelector({ lanes: [lane('wasm-js', ['javascript']), lane('wasm-python', ['python']), lane('process', ['javascript', 'python', 'bash'])] });

const admin: Principal = { id: 'user:ada', roles: ['admin'], via: 'oidc' };
const runner: Principal = { id: 'key:0a1b2c3d4e5f', roles: ['runner'], via: 'api-key' };
const limits = { timeoutMs: 5_000, memoryBytes: 64 << 20, outputBytes: 1 << 20 };

const TS_TEST = `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { slugify } from '../src/slugify.js';\n\ntest('slugs', () => assert.equal(slugify('A b'), 'a-b'));\n`;
const ts = (source: string, extra: CodeFile[] = []): CodeFile[] => [{ path: 'src/slugify.ts', content: source }, { path: 'test/slugify.test.ts', content: TS_TEST }, ...extra];
const PY_TEST = 'import unittest\nfrom calc import add\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n';
const py = (source: string, extra: CodeFile[] = []): CodeFile[] => [{ path: 'calc.py', content: source }, { path: 'test_calc.py', content: PY_TEST }, ...extra];

const review = (files: CodeFile[], extra: Partial<CodeReviewInput> = {}): CodeReviewInput => ({ files, principal: admin, egress: [], runtime: 'auto', limits, ...extra });

// The calibration set: code the gate must pass and code it must block, with why.
const GOOD: Array<[string, CodeReviewInput]> = [
  ['plain TypeScript with node:test', review(ts("export function slugify(text: string): string {\n  // never eval(text): comments don't count\n  const note = 'process.env is not read here';\n  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');\n}\n"))],
  ['Python on the standard library, importing its own module', review(py('import re\nfrom functools import reduce\n\ndef add(a, b):\n    return a + b\n'))],
  ['Node APIs in the process lane (files in its own work dir)', review(ts("import { writeFileSync } from 'node:fs';\nexport function slugify(text: string): string {\n  writeFileSync('out.txt', text);\n  return text;\n}\n"), { runtime: 'process' })],
  ['an allowed dependency with an allowed licence', review(py('import left_pad\n\ndef add(a, b):\n    return a + b\n', [{ path: 'requirements.txt', content: 'left-pad==1.0  # pads\n' }]))],
  ['network code where the run is granted egress', review(py('import urllib.request\n\ndef add(a, b):\n    return a + b\n'), { egress: ['pypi.org:443'] })],
];

const BAD: Array<[string, CodeReviewInput, RegExp]> = [
  ['calls eval (even indirectly)', review(ts('export function slugify(text: string): string {\n  return (0, eval)(text);\n}\n')), /src\/slugify\.ts:2 eval runs code built at run time/],
  ['builds a Function', review(ts("export const slugify = new Function('t', 'return t');\n")), /src\/slugify\.ts:1 Function runs code built at run time/],
  ['imports child_process', review(ts("import { execSync } from 'node:child_process';\nexport const slugify = (t: string) => execSync(t).toString();\n")), /src\/slugify\.ts:1 node:child_process starts host processes/],
  ['reads process.env', review(ts('export const slugify = (t: string) => t + process.env.HOME;\n')), /src\/slugify\.ts:1 process\.env reaches the host's process/],
  ['uses a Node API in wasm-js', review(ts("import { readFileSync } from 'fs';\nexport const slugify = (t: string) => readFileSync(t, 'utf8');\n")), /src\/slugify\.ts:1 fs is a Node\.js API, and wasm-js runs plain ECMAScript/],
  ['tries constructor.constructor', review(ts("export const slugify = (t: string) => ({}).constructor.constructor('return process')();\n")), /constructor\.constructor is a known sandbox-escape pattern/],
  ['fetches with no network granted', review(ts("export async function slugify(t: string) { return (await fetch('https://x.example/' + t)).text(); }\n")), /fetch opens network connections, and the run is granted no network/],
  ['runs a shell command in Python', review(py('import os\n\ndef add(a, b):\n    os.system("rm -rf /tmp/x")\n    return a + b\n')), /calc\.py:4 os\.system starts host processes/],
  ['imports subprocess', review(py('import subprocess as sp\n\ndef add(a, b):\n    return a + b\n')), /calc\.py:1 import subprocess starts host processes/],
  ["reaches Pyodide's JS realm", review(py('import js\n\ndef add(a, b):\n    return js.eval(a) + b\n')), /calc\.py:1 import js reaches the host's process/],
  ['hard-codes an AWS key', review(py("AWS_KEY = 'AKIAIOSFODNN7EXAMPLE'\n\ndef add(a, b):\n    return a + b\n")), /hard-coded secrets: calc\.py:1 an AWS access key id/],
  ['imports a package not on the allow-list', review(ts("import kebab from 'lodash/kebabCase';\nexport const slugify = (t: string) => kebab(t);\n")), /imports outside the allow-list \(gates\.g3\.dependencies\): lodash \(src\/slugify\.ts:1\)/],
  ['declares a dependency with a licence not allowed', review(ts('export const slugify = (t: string) => t;\n', [{ path: 'package.json', content: '{"dependencies": {"gpl-thing": "^1.0.0"}}' }])), /gpl-thing \(package\.json\) is GPL-3\.0, not an allowed licence/],
  ['declares a dependency nobody vetted', review(py('def add(a, b):\n    return a + b\n', [{ path: 'requirements.txt', content: 'requests>=2\n' }])), /requests \(requirements\.txt\) is not on the allow-list \(gates\.g3\.dependencies\), so its licence is unknown/],
  ['imports a host file by absolute path with a text loader', review(ts("import shadow from '/etc/shadow' with { type: 'text' };\nexport const slugify = (t: string) => t + shadow;\n"), { runtime: 'process' }), /src\/slugify\.ts:1 \/etc\/shadow imports a file outside the job's files/],
  ['imports a file: URL', review(ts("import env from 'file:///proc/self/environ' with { type: 'text' };\nexport const slugify = (t: string) => t + env;\n"), { runtime: 'process' }), /file:\/\/\/proc\/self\/environ imports a file outside the job's files/],
  ['imports a path above the work dir', review(ts("import x from '../../../../etc/passwd' with { type: 'text' };\nexport const slugify = (t: string) => t + x;\n"), { runtime: 'process' }), /\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd imports a file outside the job's files/],
  ['needs the process lane, for a runner', review([{ path: 'test_calc.sh', content: 'echo ok\n' }], { principal: runner }), /key:0a1b2c3d4e5f may not use-runtime Runtime process \(no policy permits it\); chosen because: bash runs only as a real process/],
];

describe('G3 architecture & security: calibration', () => {
  const gate = new G3CodeGate({
    policy: CedarPolicyEngine.load(),
    sandbox,
    threshold: 0.5,
    dependencies: { 'left-pad': { license: 'MIT' }, left_pad: { license: 'MIT' }, 'gpl-thing': { license: 'GPL-3.0' } },
    allowedLicenses: ['MIT', 'Apache-2.0'],
  });

  for (const [name, input] of GOOD) {
    it(`passes ${name}`, async () => {
      const verdict = await gate.evaluate(input, gateContext('gate:g3-code#1'));
      assert.equal(verdict.decision, 'pass', verdict.reasons.join('; '));
      assert.equal(verdict.score, 1, verdict.reasons.join('; '));
    });
  }

  for (const [name, input, why] of BAD) {
    it(`blocks code that ${name}`, async () => {
      const verdict = await gate.evaluate(input, gateContext('gate:g3-code#1'));
      assert.equal(verdict.decision, 'block');
      assert.match(verdict.reasons.join('\n'), why);
    });
  }

  it('flags unpickling without blocking at 0.5, and asks policy for the lane as a policy.decision', async () => {
    const context = gateContext('gate:g3-code#2');
    const verdict = await gate.evaluate(review(py('import pickle\n\ndef add(a, b):\n    return pickle.loads(a) + b\n')), context);
    assert.equal(verdict.decision, 'pass');
    assert.equal(verdict.score, 0.5);
    assert.match(verdict.reasons.join('\n'), /calc\.py:4 pickle\.loads unpickles data, which can run code/);
    const decisions = context.events.filter((e) => e.type === 'policy.decision').map((e) => e.data as EventDataOf<'policy.decision'>);
    assert.deepEqual(decisions.map((d) => [d.step, d.action, d.resource.id, d.decision, d.policies]), [['gate:g3-code#2', 'use-runtime', 'wasm-python', 'allow', ['admins-may-do-anything', 'operators-operate', 'runners-use-the-wasm-lanes']]]);
  });

  it('asks policy for each egress grant when the tests run as a process', async () => {
    const context = gateContext('gate:g3-code#1');
    const verdict = await gate.evaluate(review(py('import urllib.request\n\ndef add(a, b):\n    return a + b\n'), { principal: { id: 'user:ops', roles: ['operator'], via: 'oidc' }, egress: ['pypi.org:443'] }), context);
    assert.equal(verdict.decision, 'pass', verdict.reasons.join('; '));
    const decisions = context.events.map((e) => e.data as EventDataOf<'policy.decision'>);
    assert.deepEqual(decisions.map((d) => [d.action, d.resource.id, d.decision]), [['use-runtime', 'process', 'allow'], ['egress', 'pypi.org:443', 'allow']]);
  });
});

describe('G3 architecture & security: in a run', () => {
  it('blocks the attempt before its tests run, naming file, line and API', async () => {
    const coder = '```ts path=src/slugify.ts\nexport function slugify(text: string): string {\n  return eval(text);\n}\n```\n```ts path=test/slugify.test.ts\n' + TS_TEST + '```\n';
    const umca = await testUmca();
    try {
      const model = scriptedModel({ replies: { ...PASSING_REVIEW, planner: [planFor('a slugify function', 'typescript', ['src/slugify.ts', 'test/slugify.test.ts'])], coder: [coder] } });
      const run = await umca.engine.createRun({ spec: 'a slugify function', model });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'blocked');
      assert.match(done.reason ?? '', /blocked by gate g3-code: forbidden APIs: src\/slugify\.ts:2 eval runs code built at run time/);
      const events = await umca.store.readEvents(run.id);
      const blocked = events.find((e) => e.type === 'run.blocked')!.data as EventDataOf<'run.blocked'>;
      assert.equal(blocked.step, 'gate:g3-code#1');
      assert.ok(!events.some((e) => e.type === 'sandbox.started'), 'the code never ran');
    } finally {
      await umca.close();
    }
  });
});
