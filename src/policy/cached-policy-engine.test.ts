import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../core/principal.js';
import { CachedPolicyEngine } from './cached-policy-engine.js';
import type { PolicyDecision, PolicyEngine, PolicyRequest } from './policy-engine.js';

/** An engine that allows what `rule` says and counts how often it was asked. */
function counting(rule: (request: PolicyRequest) => boolean): PolicyEngine & { asked: number; fail: boolean } {
  return {
    name: 'test',
    asked: 0,
    fail: false,
    async decide(request): Promise<PolicyDecision> {
      this.asked += 1;
      if (this.fail) throw new Error('policy engine unreachable');
      const allowed = rule(request);
      return { allowed, policies: allowed ? ['rule'] : [], errors: [] };
    },
  };
}

const alice: Principal = { id: 'user:alice', roles: ['runner'], via: 'oidc' };
const readOwn = (owner: string): PolicyRequest => ({ principal: alice, action: 'read-run', resource: { type: 'Run', id: 'r1', attrs: { owner } } });

describe('cached policy decisions', () => {
  it('asks the engine once per distinct request, and keeps requests that differ in any part apart', async () => {
    const inner = counting((r) => r.resource.attrs !== undefined && 'owner' in r.resource.attrs && r.resource.attrs.owner === r.principal.id);
    const cached = new CachedPolicyEngine(inner);
    for (let i = 0; i < 5; i++) assert.equal((await cached.decide(readOwn('user:alice'))).allowed, true);
    assert.equal(inner.asked, 1);
    assert.equal((await cached.decide(readOwn('user:bob'))).allowed, false, 'another owner is another question');
    assert.equal((await cached.decide({ ...readOwn('user:alice'), principal: { ...alice, roles: ['operator'] } })).allowed, true);
    assert.equal((await cached.decide({ ...readOwn('user:alice'), action: 'cancel-run' })).allowed, true);
    assert.equal((await cached.decide({ ...readOwn('user:alice'), principal: { ...alice, id: 'user:mallory' } })).allowed, false, 'another principal is another question');
    assert.equal(inner.asked, 5);
  });

  it('forgets everything on clear(), as when policies change', async () => {
    let allow = true;
    const inner = counting(() => allow);
    const cached = new CachedPolicyEngine(inner);
    assert.equal((await cached.decide(readOwn('user:alice'))).allowed, true);
    allow = false;
    cached.clear();
    assert.equal((await cached.decide(readOwn('user:alice'))).allowed, false);
  });

  it('re-asks after ttlMs, and never keeps a failure', async () => {
    const inner = counting(() => true);
    const cached = new CachedPolicyEngine(inner, { ttlMs: 30 });
    await cached.decide(readOwn('user:alice'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    await cached.decide(readOwn('user:alice'));
    assert.equal(inner.asked, 2);

    const flaky = counting(() => true);
    const guarded = new CachedPolicyEngine(flaky);
    flaky.fail = true;
    await assert.rejects(guarded.decide(readOwn('user:alice')), /unreachable/);
    flaky.fail = false;
    assert.equal((await guarded.decide(readOwn('user:alice'))).allowed, true);
    assert.equal(flaky.asked, 2);
  });

  it('holds at most maxEntries decisions, and no more characters than maxChars: names a caller picks cannot grow it', async () => {
    const cached = new CachedPolicyEngine(counting(() => true), { maxEntries: 3 });
    for (let i = 0; i < 10; i++) await cached.decide(readOwn(`user:${i}`));
    assert.equal(cached.size, 3);
    const inner = counting(() => false);
    const bySize = new CachedPolicyEngine(inner, { maxChars: 10_000 });
    const model = (name: string): PolicyRequest => ({ principal: alice, action: 'use-model', resource: { type: 'Model', id: name, attrs: { ref: name } } });
    for (let i = 0; i < 1_000; i++) assert.equal((await bySize.decide(model(`${i}-${'m'.repeat(900)}`))).allowed, false);
    assert.ok(bySize.size <= 10_000 / 1_800, `${bySize.size} long names kept`);
    await bySize.decide(model('x'.repeat(100_000)));
    await bySize.decide(model('x'.repeat(100_000)));
    assert.equal(inner.asked, 1_002, 'a 100 KB name is decided each time, never kept');
  });
});
