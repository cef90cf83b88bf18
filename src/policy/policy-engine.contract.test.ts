import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Principal, Role } from '../core/principal.js';
import { CachedPolicyEngine } from './cached-policy-engine.js';
import { CedarPolicyEngine } from './cedar/cedar-policy-engine.js';
import { OpaPolicyEngine } from './opa/opa-policy-engine.js';
import type { Action, PolicyEngine, PolicyResource } from './policy-engine.js';

/**
 * An OPA server's Data API, answering with the same rules as the shipped Cedar policies
 * (written in JS here; a real deployment has them in Rego). It stands in for OPA and
 * speaks its protocol: POST /v1/data/<path> {input} -> {result}.
 */
function fakeOpa(): Promise<{ server: Server; url: string; inputs: unknown[] }> {
  const inputs: unknown[] = [];
  const rank = (roles: string[]) => Math.max(-1, ...roles.map((r) => ['runner', 'operator', 'admin'].indexOf(r)));
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/data/umca/decision') {
        res.writeHead(404).end('{}');
        return;
      }
      const { input } = JSON.parse(text) as { input: { principal: { id: string; roles: string[] }; action: string; resource: Record<string, unknown> } };
      inputs.push(input);
      const level = rank(input.principal.roles);
      const runnerActions = ['run', 'use-model', 'use-tool'];
      let policies: string[] = [];
      if (level >= 2) policies = ['admins-may-do-anything'];
      else if (level >= 1 && ['read-run', 'cancel-run', 'use-runtime', 'egress', 'override-gate', 'read-usage'].includes(input.action)) policies = ['operators-operate'];
      else if (level >= 0 && runnerActions.includes(input.action)) policies = ['runners-run'];
      else if (level >= 0 && input.action === 'read-run' && input.resource.owner === input.principal.id) policies = ['runners-read-their-own-runs'];
      else if (level >= 0 && input.action === 'cancel-run' && input.resource.owner === input.principal.id) policies = ['runners-cancel-their-own-runs'];
      else if (level >= 0 && input.action === 'use-runtime' && input.resource.wasm === true) policies = ['runners-use-the-wasm-lanes'];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: { allow: policies.length > 0, policies } }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, inputs })));
}

let opa: Awaited<ReturnType<typeof fakeOpa>>;
before(async () => {
  opa = await fakeOpa();
});
after(() => opa.server.close());

const who = (role: Role | undefined, id = 'user:alice'): Principal => ({ id, roles: role ? [role] : [], via: 'oidc' });
const engines: Array<[string, string, () => PolicyEngine]> = [
  ['cedar', 'cedar', () => CedarPolicyEngine.load()],
  ['opa', 'opa', () => new OpaPolicyEngine({ url: opa.url, path: 'umca/decision', timeoutMs: 2_000 })],
  // As umca wires them: each decision asked twice, the second from the cache.
  ['cedar, decisions cached', 'cedar', () => new CachedPolicyEngine(CedarPolicyEngine.load())],
  ['opa, decisions cached', 'opa', () => new CachedPolicyEngine(new OpaPolicyEngine({ url: opa.url, path: 'umca/decision', timeoutMs: 2_000 }), { ttlMs: 1_000 })],
];

for (const [label, name, make] of engines) {
  describe(`PolicyEngine contract: ${label}`, () => {
    let engine: PolicyEngine;
    before(() => {
      engine = make();
      assert.equal(engine.name, name);
    });
    const cases: Array<[Role | undefined, Action, PolicyResource, boolean, string?]> = [
      ['runner', 'run', { type: 'Run', id: 'new', attrs: { owner: 'user:alice' } }, true, 'runners-run'],
      ['runner', 'use-model', { type: 'Model', id: 'fast', attrs: { ref: 'fast' } }, true, 'runners-run'],
      ['runner', 'cancel-run', { type: 'Run', id: 'r1', attrs: { owner: 'user:alice' } }, true, 'runners-cancel-their-own-runs'],
      ['runner', 'cancel-run', { type: 'Run', id: 'r2', attrs: { owner: 'user:bob' } }, false],
      ['runner', 'use-runtime', { type: 'Runtime', id: 'wasm-python', attrs: { wasm: true, isolation: 'wasm' } }, true, 'runners-use-the-wasm-lanes'],
      ['runner', 'use-runtime', { type: 'Runtime', id: 'process', attrs: { wasm: false, isolation: 'namespaces' } }, false],
      ['runner', 'egress', { type: 'Host', id: 'pypi.org:443', attrs: { host: 'pypi.org', port: 443 } }, false],
      ['runner', 'read-usage', { type: 'System', id: 'usage' }, false],
      ['operator', 'use-runtime', { type: 'Runtime', id: 'process', attrs: { wasm: false, isolation: 'namespaces' } }, true, 'operators-operate'],
      ['operator', 'override-gate', { type: 'Gate', id: 'r1' }, true, 'operators-operate'],
      ['operator', 'admin', { type: 'System', id: 'keys' }, false],
      ['admin', 'admin', { type: 'System', id: 'keys' }, true, 'admins-may-do-anything'],
      [undefined, 'read-run', { type: 'Run', id: '*', attrs: { owner: '' } }, false],
      ['runner', 'read-run', { type: 'Run', id: 'r1', attrs: { owner: 'user:alice' } }, true, 'runners-read-their-own-runs'],
      ['runner', 'read-run', { type: 'Run', id: 'r2', attrs: { owner: 'user:bob' } }, false],
      ['runner', 'read-run', { type: 'Run', id: '*', attrs: { owner: '' } }, false],
      ['operator', 'read-run', { type: 'Run', id: 'r2', attrs: { owner: 'user:bob' } }, true, 'operators-operate'],
    ];
    for (const [role, action, resource, allowed, policy] of cases) {
      it(`${role ?? 'no role'} ${allowed ? 'may' : 'may not'} ${action} ${resource.type} ${resource.id}${policy ? `, by ${policy}` : ''}`, async () => {
        for (let ask = 0; ask < 2; ask++) {
          const decision = await engine.decide({ principal: who(role), action, resource });
          assert.equal(decision.allowed, allowed);
          if (policy) assert.ok(decision.policies.includes(policy), `decided by ${decision.policies.join(', ')}`);
          else assert.deepEqual(decision.policies, []);
        }
      });
    }
  });
}

describe('OPA engine', () => {
  it('sends principal, action and resource attributes as input', async () => {
    const engine = new OpaPolicyEngine({ url: opa.url, path: 'umca/decision', timeoutMs: 2_000 });
    await engine.decide({ principal: who('runner', 'key:abc'), action: 'egress', resource: { type: 'Host', id: 'pypi.org:443', attrs: { host: 'pypi.org', port: 443 } } });
    assert.deepEqual(opa.inputs.at(-1), { principal: { id: 'key:abc', roles: ['runner'], via: 'oidc' }, action: 'egress', resource: { type: 'Host', id: 'pypi.org:443', host: 'pypi.org', port: 443 } });
  });

  it('denies with a 503 when OPA cannot answer, and on an undefined decision', async () => {
    const gone = new OpaPolicyEngine({ url: 'http://127.0.0.1:9', path: 'umca/decision', timeoutMs: 500 });
    await assert.rejects(gone.decide({ principal: who('admin'), action: 'admin', resource: { type: 'System', id: 'x' } }), (e: Error & { status?: number; code?: string }) => e.status === 503 && e.code === 'policy_unavailable');
    const wrongPath = new OpaPolicyEngine({ url: opa.url, path: 'nothing/here', timeoutMs: 500 });
    await assert.rejects(wrongPath.decide({ principal: who('admin'), action: 'admin', resource: { type: 'System', id: 'x' } }), /answered 404/);
  });
});
