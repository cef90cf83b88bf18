import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventSubject } from '../../src/bus/bus.js';
import type { EventDataOf, RunEvent } from '../../src/core/events.js';
import { verifyChain } from '../../src/core/hash-chain.js';
import type { Principal } from '../../src/core/principal.js';
import { EVERYTHING_STDIO } from '../support/mcp-everything.js';
import { shippedPoliciesWith } from '../support/policies.js';
import { DEMO_SPEC, demoFixture, scriptedModel } from '../support/scripted.js';
import { testUmca } from '../support/umca.js';

const runner: Principal = { id: 'key:0a1b2c3d4e5f', roles: ['runner'], via: 'api-key' };

/** The shipped policies plus one that keeps the server's environment tool from everyone. */
const policiesWithoutGetEnv = () => shippedPoliciesWith('tools.cedar', '@id("no-env-tool")\nforbid (principal, action == Umca::Action::"use-tool", resource == Umca::Tool::"everything.get-env");\n');

const data = <T extends RunEvent['type']>(events: RunEvent[], type: T) => events.filter((e) => e.type === type).map((e) => e.data as EventDataOf<T>);
const call = (name: string, args: Record<string, unknown>) => ({ content: '', tool_calls: [{ name, arguments: args }] });

describe('agents call the tools of a real MCP server (server-everything, stdio)', () => {
  it('gives the planner and researcher its tools through the gateway; every call is a policy decision and on the log; a denied tool is refused; results are citable', async () => {
    const fixture = demoFixture();
    const findings = JSON.parse(fixture.replies.researcher![0] as string) as { findings: Array<Record<string, unknown>> };
    findings.findings.push({ id: 'F5', claim: 'the sum of 2 and 3 is 5', citations: [{ source: 'tool:plan:1', quote: 'The sum of 2 and 3 is 5' }] });
    const model = scriptedModel({
      ...fixture,
      replies: {
        ...fixture.replies,
        // The planner looks two things up (the model names tools as `server__tool`), then plans.
        planner: [call('everything__get-sum', { a: 2, b: 3 }), call('everything.get-env', {}), fixture.replies.planner![0]!],
        researcher: [call('everything__echo', { message: 'accents are stripped' }), JSON.stringify(findings)],
      },
    });
    const umca = await testUmca({ mcp: { servers: { everything: EVERYTHING_STDIO } }, policy: { dir: policiesWithoutGetEnv() } });
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model, principal: runner });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'completed', done.reason ?? '');
      const events = await umca.store.readEvents(run.id);
      assert.ok(verifyChain(events).ok);

      assert.deepEqual(data(events, 'tool.call').map((c) => [c.step, c.call_id, c.tool, c.server, c.arguments]), [
        ['plan', 'plan:1', 'everything.get-sum', 'everything', '{"a":2,"b":3}'],
        ['plan', 'plan:2', 'everything.get-env', 'everything', '{}'],
        ['research', 'research:1', 'everything.echo', 'everything', '{"message":"accents are stripped"}'],
      ]);
      const results = data(events, 'tool.result');
      assert.deepEqual(results.map((r) => [r.call_id, r.status]), [['plan:1', 'ok'], ['plan:2', 'denied'], ['research:1', 'ok']]);
      assert.equal(results[0]!.content, 'The sum of 2 and 3 is 5.');
      assert.ok(results[0]!.size_bytes > 0 && results[0]!.duration_ms >= 0);
      assert.match(results[1]!.content, /refused by policy: key:0a1b2c3d4e5f may not use-tool Tool everything\.get-env \(policy no-env-tool\)/);
      const decisions = data(events, 'policy.decision').filter((d) => d.action === 'use-tool');
      assert.deepEqual(decisions.map((d) => [d.resource.id, d.decision, d.policies]), [
        ['everything.get-sum', 'allow', ['runners-run']],
        ['everything.get-env', 'deny', ['no-env-tool']],
        ['everything.echo', 'allow', ['runners-run']],
      ]);

      // The planner saw the result (and the refusal) as tool messages in its next turn.
      const plannerRequests = data(events, 'model.request').filter((r) => r.role === 'planner');
      assert.deepEqual(plannerRequests.map((r) => r.messages), [1, 3, 5]);
      // G2 checked the finding cited to the tool's result against what the tool returned.
      const g2 = data(events, 'gate.decision').find((d) => d.gate === 'g2-provenance')!;
      assert.equal(g2.decision, 'pass');
      assert.match(g2.evaluators!.find((e) => e.id === 'quotes-found')!.reason, /all 5 quotes are in their sources/);
    } finally {
      await umca.close();
    }
  });

  it('fails a tool call cleanly when its server is killed mid-call; the run goes on and the server comes back', async () => {
    const fixture = demoFixture();
    const model = scriptedModel({
      ...fixture,
      replies: { ...fixture.replies, planner: [call('everything__trigger-long-running-operation', { duration: 20, steps: 20 }), fixture.replies.planner![0]!] },
    });
    const umca = await testUmca({ mcp: { servers: { everything: EVERYTHING_STDIO } } });
    try {
      await umca.tools.start();
      const [connection] = umca.tools.connections;
      const firstPid = connection!.pid;
      assert.ok(firstPid);
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model });
      // Kill the server as soon as the call is on its way.
      umca.bus.subscribe(eventSubject(run.id), (e) => {
        const event = e as RunEvent;
        if (event.type === 'tool.call') setTimeout(() => process.kill(firstPid, 'SIGKILL'), 200);
      });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'completed', done.reason ?? '');
      const [result] = data(await umca.store.readEvents(run.id), 'tool.result');
      assert.equal(result?.status, 'unavailable');
      assert.match(result?.content ?? '', /server everything exited on SIGKILL during the call/);

      for (let i = 0; i < 100 && !(connection!.availability().available && connection!.pid !== firstPid); i += 1) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(connection!.availability(), { available: true }, 'restarted');
      assert.notEqual(connection!.pid, firstPid, 'a new process');
      const sum = umca.tools.get('everything.get-sum')!;
      assert.equal((await sum.call({ a: 1, b: 1 }, { timeoutMs: 5_000 })).text, 'The sum of 1 and 1 is 2.');
    } finally {
      await umca.close();
    }
  });
});
