import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { EventDataOf, RunEvent } from '../src/core/events.js';
import { verifyChain } from '../src/core/hash-chain.js';
import { PASSING_REVIEW, planFor, scriptedModel } from './support/scripted.js';
import { testUmca } from './support/umca.js';

// Runs whose tests the selector sends to the Python and process lanes, end to end.
const plan = (spec: string, files: string[]) => planFor(spec, 'python', files);
const fence = (lang: string, path: string, body: string) => `\`\`\`${lang} path=${path}\n${body}\`\`\`\n`;
const PY_SOURCE = fence('python', 'calc.py', 'def add(a, b):\n    return a + b\n');

function data<T extends RunEvent['type']>(events: RunEvent[], type: T): Array<EventDataOf<T>> {
  return events.filter((e) => e.type === type).map((e) => e.data as EventDataOf<T>);
}

let server: Server;
let port: number;
before(async () => {
  server = createServer((_req, res) => res.end('42'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
after(() => server.close());

describe('sandboxed runs', () => {
  it('plans, writes and tests Python: unittest in the wasm-python lane, the lane and its reason on the log', async () => {
    const model = scriptedModel({
      replies: {
        ...PASSING_REVIEW,
        planner: [{ content: plan('an adder in Python', ['calc.py', 'test_calc.py']) }],
        coder: [{ content: PY_SOURCE + fence('python', 'test_calc.py', 'import unittest\nfrom calc import add\n\nclass AddTest(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(add(2, 3), 5)\n\n    def test_negative(self):\n        self.assertEqual(add(-2, 1), -1)\n') }],
      },
    });
    const umca = await testUmca();
    try {
      const run = await umca.engine.createRun({ spec: 'an adder in Python', model });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'completed', done.reason ?? '');
      const events = await umca.store.readEvents(run.id);
      assert.ok(verifyChain(events).ok);
      const [started] = data(events, 'sandbox.started');
      assert.equal(started?.lane, 'wasm-python');
      assert.equal(started?.language, 'python');
      assert.match(started?.reason ?? '', /default lane for Python: WebAssembly/);
      const [finished] = data(events, 'sandbox.finished');
      assert.equal(finished?.status, 'ok');
      assert.deepEqual(finished?.tests.map((t) => [t.name, t.ok]), [['test_calc.AddTest.test_adds', true], ['test_calc.AddTest.test_negative', true]]);
      assert.equal(finished?.exit_code, 0);
      assert.deepEqual((await umca.store.listArtifacts(run.id)).map((a) => a.path), ['calc.py', 'test_calc.py']);
    } finally {
      await umca.close();
    }
  });

  it('runs tests that need the process lane only for a principal policy allows it to (G3 asks, naming the policy)', async () => {
    const model = () => scriptedModel({
      replies: {
        ...PASSING_REVIEW,
        planner: [{ content: plan('bash tests', ['calc.py', 'test_calc.sh']) }],
        coder: [{ content: PY_SOURCE + fence('bash', 'test_calc.sh', 'python3 -c "import calc; assert calc.add(2, 3) == 5"\n') }],
      },
    });
    const umca = await testUmca();
    try {
      const runner = await umca.engine.createRun({ spec: 'bash tests', model: model(), principal: { id: 'key:0a1b2c3d4e5f', roles: ['runner'], via: 'api-key' } });
      assert.equal((await umca.engine.execute(runner.id)).status, 'blocked');
      const events = await umca.store.readEvents(runner.id);
      const [blocked] = data(events, 'run.blocked');
      assert.equal(blocked?.gate, 'g3-code');
      assert.match(blocked?.reasons.join('; ') ?? '', /key:0a1b2c3d4e5f may not use-runtime Runtime process \(no policy permits it\); chosen because: bash runs only as a real process/);
      assert.deepEqual(data(events, 'policy.decision').filter((d) => d.action === 'use-runtime').map((d) => [d.resource.id, d.decision]), [['process', 'deny']]);
      assert.deepEqual(data(events, 'sandbox.started'), [], 'nothing ran');

      const operator = await umca.engine.createRun({ spec: 'bash tests', model: model(), principal: { id: 'user:ops', roles: ['operator'], via: 'oidc' } });
      const done = await umca.engine.execute(operator.id);
      assert.equal(done.status, 'completed', done.reason ?? '');
      const operatorEvents = await umca.store.readEvents(operator.id);
      assert.deepEqual(data(operatorEvents, 'policy.decision').filter((d) => d.action === 'use-runtime').map((d) => [d.resource.id, d.decision, d.policies]), [['process', 'allow', ['operators-operate']]]);
      assert.equal(data(operatorEvents, 'sandbox.started')[0]?.lane, 'process');
    } finally {
      await umca.close();
    }
  });

  it('runs process jobs under gVisor when sandbox.process_runtime says so; policy sees the runtime and its isolation', async () => {
    const umca = await testUmca({ sandbox: { process_runtime: 'gvisor' } });
    try {
      const model = scriptedModel({
        replies: {
          ...PASSING_REVIEW,
          planner: [{ content: plan('bash tests', ['calc.py', 'test_calc.sh']) }],
          coder: [{ content: PY_SOURCE + fence('bash', 'test_calc.sh', 'python3 -c "import calc; assert calc.add(2, 3) == 5"\n') }],
        },
      });
      const run = await umca.engine.createRun({ spec: 'bash tests', model, principal: { id: 'user:ops', roles: ['operator'], via: 'oidc' } });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'completed', done.reason ?? '');
      const events = await umca.store.readEvents(run.id);
      assert.deepEqual(data(events, 'policy.decision').filter((d) => d.action === 'use-runtime').map((d) => [d.resource.id, d.decision]), [['gvisor', 'allow']]);
      const [started] = data(events, 'sandbox.started');
      assert.equal(started?.lane, 'gvisor');
      assert.equal(data(events, 'sandbox.finished')[0]?.status, 'ok');
    } finally {
      await umca.close();
    }
  });

  it('runs granted-network tests in the process lane where policy allows: every connection on the log, unlisted ones refused', async () => {
    const fetches = (target: number) =>
      fence('python', 'test_calc.py', `import unittest, urllib.request\nfrom calc import add\n\nclass AddTest(unittest.TestCase):\n    def test_adds_remote(self):\n        remote = int(urllib.request.urlopen('http://127.0.0.1:${target}/', timeout=5).read())\n        self.assertEqual(add(remote, 1), 43)\n`);
    const config = { sandbox: { timeout_ms: 15_000, allowed_outbound_hosts: [`127.0.0.1:${port}`] }, pipeline: { max_code_attempts: 1 } };
    const umca = await testUmca(config);
    try {
      const granted = await umca.engine.createRun({ spec: 'remote adder', model: scriptedModel({ replies: { ...PASSING_REVIEW, planner: [{ content: plan('remote adder', ['calc.py', 'test_calc.py']) }], coder: [{ content: PY_SOURCE + fetches(port) }] } }) });
      const done = await umca.engine.execute(granted.id);
      assert.equal(done.status, 'completed', done.reason ?? '');
      const events = await umca.store.readEvents(granted.id);
      const [started] = data(events, 'sandbox.started');
      assert.equal(started?.lane, 'process');
      assert.match(started?.reason ?? '', new RegExp(`network egress granted to 127\\.0\\.0\\.1:${port}`));
      assert.deepEqual(started?.allowed_outbound_hosts, [`127.0.0.1:${port}`]);
      assert.deepEqual(data(events, 'sandbox.egress').map((e) => [e.host, e.port, e.allowed, e.reason]), [['127.0.0.1', port, true, 'listed']]);

      const refused = await umca.engine.createRun({ spec: 'remote adder, wrong port', model: scriptedModel({ replies: { ...PASSING_REVIEW, planner: [{ content: plan('remote adder, wrong port', ['calc.py', 'test_calc.py']) }], coder: [{ content: PY_SOURCE + fetches(port + 1) }] } }) });
      const failed = await umca.engine.execute(refused.id);
      assert.equal(failed.status, 'failed');
      assert.match(failed.reason ?? '', /egress_denied/);
      const refusedEvents = await umca.store.readEvents(refused.id);
      assert.deepEqual(data(refusedEvents, 'sandbox.egress').map((e) => [e.port, e.allowed, e.reason]), [[port + 1, false, 'not_listed']]);
      assert.equal(data(refusedEvents, 'sandbox.finished')[0]?.status, 'egress_denied');
    } finally {
      await umca.close();
    }
  });
});
