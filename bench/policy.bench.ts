// npm run bench:policy — how long one policy decision takes (the embedded Cedar engine, as
// umca loads it: policies parsed and validated once at start-up, kept pre-parsed), against
// parsing the same policy set on every call, side by side in one run.
// Must: decision p99 <= 1 ms.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Principal } from '../src/core/principal.js';
import { CedarPolicyEngine } from '../src/policy/cedar/cedar-policy-engine.js';
import { SHIPPED_POLICY_DIR } from '../src/policy/shipped-policies.js';
import type { PolicyRequest } from '../src/policy/policy-engine.js';

const N = Number(process.env.BENCH_DECISIONS ?? 20_000);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

const runner: Principal = { id: 'user:alice', roles: ['runner'], via: 'oidc' };
const operator: Principal = { id: 'key:0a1b2c3d4e5f', roles: ['operator'], via: 'api-key' };
// A mix like a server's: starting and reading runs, the gateway, lanes, egress, denials.
const requests: PolicyRequest[] = [
  { principal: runner, action: 'run', resource: { type: 'Run', id: 'new', attrs: { owner: runner.id } } },
  { principal: runner, action: 'use-model', resource: { type: 'Model', id: 'fast', attrs: { ref: 'fast' } } },
  { principal: runner, action: 'read-run', resource: { type: 'Run', id: '*', attrs: { owner: '' } } },
  { principal: runner, action: 'cancel-run', resource: { type: 'Run', id: 'r1', attrs: { owner: 'user:bob' } } },
  { principal: runner, action: 'use-runtime', resource: { type: 'Runtime', id: 'process', attrs: { wasm: false, isolation: 'namespaces' } } },
  { principal: operator, action: 'egress', resource: { type: 'Host', id: 'pypi.org:443', attrs: { host: 'pypi.org', port: 443 } } },
  { principal: operator, action: 'read-usage', resource: { type: 'System', id: 'usage' } },
];

function measure(decide: (request: PolicyRequest) => unknown, count: number): { p50: number; p99: number; max: number } {
  for (let i = 0; i < 1_000; i += 1) decide(requests[i % requests.length]!); // warm-up
  const samples = new Array<number>(count);
  for (let i = 0; i < count; i += 1) {
    const request = requests[i % requests.length]!;
    const started = performance.now();
    decide(request);
    samples[i] = performance.now() - started;
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), max: samples.at(-1)! };
}

const loadStarted = performance.now();
const engine = CedarPolicyEngine.load();
const loadMs = performance.now() - loadStarted;
const preparsed = measure((request) => engine.decideNow(request), N);

// The same decisions, parsing the policy text and schema on every call.
const schema = readFileSync(join(SHIPPED_POLICY_DIR, 'umca.cedarschema'), 'utf8');
const text = readFileSync(join(SHIPPED_POLICY_DIR, 'default.cedar'), 'utf8');
const roles = ['runner', 'operator', 'admin'].map((id, i, all) => ({ uid: { type: 'Umca::Role', id }, attrs: {}, parents: i ? [{ type: 'Umca::Role', id: all[i - 1]! }] : [] }));
const perCall = measure((request) => {
  const [kind, id] = request.principal.id.split(':') as [string, string];
  const principal = { type: kind === 'key' ? 'Umca::ApiKey' : 'Umca::User', id };
  const resource = { type: `Umca::${request.resource.type}`, id: request.resource.id };
  return cedar.isAuthorized({
    principal,
    action: { type: 'Umca::Action', id: request.action },
    resource,
    context: {},
    schema,
    validateRequest: true,
    policies: { staticPolicies: text },
    entities: [...roles, { uid: principal, attrs: { id: request.principal.id }, parents: request.principal.roles.map((r) => ({ type: 'Umca::Role', id: r })) }, { uid: resource, attrs: (request.resource.attrs ?? {}) as Record<string, never>, parents: [] }],
  } as cedar.AuthorizationCall);
}, Math.ceil(N / 10));

console.log(`Cedar ${cedar.getCedarVersion()}, ${engine.policyIds.length} shipped policies, loaded and validated in ${loadMs.toFixed(1)} ms`);
console.log('| decision | p50 ms | p99 ms | max ms |');
console.log('|---|---:|---:|---:|');
console.log(`| pre-parsed (umca), ${N} decisions | ${preparsed.p50.toFixed(3)} | ${preparsed.p99.toFixed(3)} | ${preparsed.max.toFixed(3)} |`);
console.log(`| parsed per call, ${Math.ceil(N / 10)} decisions | ${perCall.p50.toFixed(3)} | ${perCall.p99.toFixed(3)} | ${perCall.max.toFixed(3)} |`);
console.log(`\npre-parsed p99 = ${preparsed.p99.toFixed(3)} ms (must <= 1 ms): ${preparsed.p99 <= 1 ? 'met' : 'NOT met'}; parsing per call costs ${(perCall.p50 / preparsed.p50).toFixed(1)}x at p50`);
