import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Umca } from '../../src/umca.js';
import { ConflictError, ForbiddenError, InvalidRequestError } from '../../src/core/errors.js';
import type { EventDataOf, RunEvent } from '../../src/core/events.js';
import { verifyChain } from '../../src/core/hash-chain.js';
import type { Principal } from '../../src/core/principal.js';
import { newApiKey } from '../../src/identity/api-key-authenticator.js';
import { createApp } from '../../src/server/app.js';
import { DEMO_SPEC, demoFixture, scriptedModel } from '../support/scripted.js';
import { testUmca } from '../support/umca.js';

const runner: Principal = { id: 'key:0a1b2c3d4e5f', roles: ['runner'], via: 'api-key' };
const operator: Principal = { id: 'user:olga', roles: ['operator'], via: 'oidc' };

/** The demo, planned without two of its requirements: G1 blocks it, the code is still good. */
function partialPlanModel(): string {
  const fixture = demoFixture();
  const plan = JSON.parse(fixture.replies.planner![0] as string) as { requirements: Array<{ id: string }> };
  plan.requirements = plan.requirements.filter((r) => r.id !== 'R3' && r.id !== 'R5');
  return scriptedModel({ ...fixture, replies: { ...fixture.replies, planner: [JSON.stringify(plan)] } });
}

const types = (events: RunEvent[]) => events.map((e) => e.type);

describe('overriding a gate block', () => {
  let umca: Umca;
  before(async () => {
    umca = await testUmca();
  });
  after(() => umca.close());

  it('lets an operator send a blocked run past its gate, with the decision and reason on the log; the run finishes without redoing a step', async () => {
    const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: partialPlanModel(), principal: runner });
    assert.equal((await umca.engine.execute(run.id)).status, 'blocked');

    await assert.rejects(umca.engine.override(run.id, { principal: runner, reason: 'I think it is fine' }), (error: unknown) => {
      assert.ok(error instanceof ForbiddenError);
      assert.match(error.message, /key:0a1b2c3d4e5f may not override-gate Gate g1-plan \(roles: runner; no policy permits it\)/);
      return true;
    });
    const reopened = await umca.engine.override(run.id, { principal: operator, reason: 'the two rules are covered by the acceptance criteria' });
    assert.equal(reopened.status, 'running');
    const done = await umca.engine.execute(run.id);
    assert.equal(done.status, 'completed', done.reason ?? '');

    const events = await umca.store.readEvents(run.id);
    assert.ok(verifyChain(events).ok, 'the chain is intact across the block and the override');
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
    const blockedAt = types(events).indexOf('run.blocked');
    assert.deepEqual(types(events).slice(blockedAt, blockedAt + 4), ['run.blocked', 'policy.decision', 'gate.overridden', 'run.resumed']);
    const decision = events[blockedAt + 1]!.data as EventDataOf<'policy.decision'>;
    assert.deepEqual([decision.principal, decision.action, decision.resource, decision.decision, decision.policies], ['user:olga', 'override-gate', { type: 'Gate', id: 'g1-plan' }, 'allow', ['operators-operate']]);
    const overridden = events[blockedAt + 2]!.data as EventDataOf<'gate.overridden'>;
    assert.deepEqual([overridden.gate, overridden.step, overridden.by, overridden.reason], ['g1-plan', 'gate:g1-plan', 'user:olga', 'the two rules are covered by the acceptance criteria']);
    assert.match(overridden.reasons_overridden.join('; '), /4 of 6 spec requirements are in the plan/);
    assert.equal(events.filter((e) => e.type === 'gate.decision' && e.data.gate === 'g1-plan').length, 1, 'the gate was not asked again');
    assert.equal(events.filter((e) => e.type === 'model.request' && e.data.role === 'planner').length, 1, 'nor the planner');
  });

  it('refuses to override a run that is not blocked, and an override without a reason', async () => {
    const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: 'scripted:demo' });
    await umca.engine.execute(run.id);
    await assert.rejects(umca.engine.override(run.id, { principal: operator, reason: 'why not' }), (e: unknown) => e instanceof ConflictError && e.code === 'run_not_blocked');
    await assert.rejects(umca.engine.override(run.id, { principal: operator, reason: '   ' }), (e: unknown) => e instanceof InvalidRequestError && e.code === 'reason_missing');
  });
});

describe('overriding a gate block over HTTP', () => {
  let umca: Umca;
  let app: ReturnType<typeof createApp>;
  const tokens: Record<string, string> = {};
  before(async () => {
    umca = await testUmca({ auth: { mode: 'token' } });
    app = createApp(umca, { log: () => undefined });
    for (const role of ['runner', 'operator'] as const) {
      const made = newApiKey();
      await umca.store.createApiKey({ id: made.id, name: role, role, secretSha256: made.secretSha256 });
      tokens[role] = made.token;
    }
  });
  after(() => umca.close());

  const call = (path: string, role: string, body?: unknown) =>
    app.request(path, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  async function waitFor(id: string, status: string): Promise<void> {
    for (let i = 0; i < 200; i += 1) {
      if (((await (await call(`/v1/runs/${id}`, 'runner')).json()) as { status: string }).status === status) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`run ${id} never became ${status}`);
  }

  it('answers 403 naming the action to a runner, 400 to a missing reason, 202 to an operator, 409 once it is no longer blocked', async () => {
    const created = await call('/v1/runs', 'runner', { spec: DEMO_SPEC, model: partialPlanModel() });
    assert.equal(created.status, 202);
    const { id } = (await created.json()) as { id: string };
    await waitFor(id, 'blocked');

    const denied = await call(`/v1/runs/${id}/override`, 'runner', { reason: 'please' });
    assert.equal(denied.status, 403);
    assert.match(((await denied.json()) as { error: { message: string } }).error.message, /may not override-gate Gate g1-plan/);
    const noReason = await call(`/v1/runs/${id}/override`, 'operator', {});
    assert.equal(noReason.status, 400);
    assert.deepEqual(((await noReason.json()) as { error: { code: string; param: string } }).error.param, 'reason');

    const accepted = await call(`/v1/runs/${id}/override`, 'operator', { reason: 'reviewed by hand' });
    assert.equal(accepted.status, 202);
    assert.equal(((await accepted.json()) as { status: string }).status, 'running');
    await waitFor(id, 'completed');
    const again = await call(`/v1/runs/${id}/override`, 'operator', { reason: 'twice' });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'run_not_blocked');
  });
});
