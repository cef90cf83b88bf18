import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import { runtimeResource } from '../runtime-resource.js';
import { CedarPolicyEngine } from './cedar-policy-engine.js';

function policyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'umca-policies-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const loadError = (files: Record<string, string>): string => {
  const dir = policyDir(files);
  try {
    CedarPolicyEngine.load(dir);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message.replace(dir, '<dir>');
  }
  assert.fail('the policies loaded');
};

describe('Cedar policy engine', () => {
  it('names each shipped policy by its @id', () => {
    assert.deepEqual(CedarPolicyEngine.load().policyIds, ['runners-run', 'runners-read-their-own-runs', 'runners-cancel-their-own-runs', 'runners-read-knowledge', 'runners-use-the-wasm-lanes', 'runners-use-remote-repositories', 'runners-make-moderate-changes', 'operators-operate', 'admins-may-do-anything']);
  });

  it('refuses a policy that does not parse, naming file, line and column', () => {
    const message = loadError({ 'a.cedar': '@id("fine")\npermit (principal, action, resource);\n\n@id("broken")\npermit (principal, action, resource) when { 1 + };\n' });
    assert.match(message, /^<dir>\/a\.cedar:5:49: unexpected token `\}`/);
  });

  it('refuses a policy that does not match the schema, naming file, line and the mistake', () => {
    const message = loadError({ 'ok.cedar': 'permit (principal, action, resource);\n', 'typo.cedar': '// owner, misspelt\npermit (principal, action == Umca::Action::"cancel-run", resource)\nwhen { resource.ownr == principal.id };\n' });
    assert.match(message, /^<dir>\/typo\.cedar:3:\d+: policy "typo#1" does not match the schema: .*attribute `ownr` on entity type `Umca::Run` not found; did you mean `owner`\?/);
  });

  it('refuses an unknown action, a duplicate id and an empty directory', () => {
    assert.match(loadError({ 'a.cedar': 'permit (principal, action == Umca::Action::"launch", resource);' }), /a\.cedar:1:\d+: .*launch/);
    assert.match(loadError({ 'a.cedar': '@id("x")\npermit (principal, action, resource);', 'b.cedar': '@id("x")\nforbid (principal, action, resource);' }), /b\.cedar: policy id "x" is also used in .*a\.cedar/);
    assert.match(loadError({ 'README.md': 'no policies here' }), /holds no \.cedar files/);
  });

  it('uses a policy directory instead of the shipped one; a forbid wins and is named', async () => {
    const dir = policyDir({
      'ours.cedar': [
        '@id("everyone-runs")',
        'permit (principal, action == Umca::Action::"run", resource);',
        '@id("no-process-lane")',
        'forbid (principal, action == Umca::Action::"use-runtime", resource) unless { resource.wasm };',
        '@id("admins")',
        'permit (principal in Umca::Role::"admin", action, resource);',
      ].join('\n'),
    });
    const engine = CedarPolicyEngine.load(dir);
    const nobody: Principal = { id: 'key:k1', roles: [], via: 'api-key' };
    assert.deepEqual(await engine.decide({ principal: nobody, action: 'run', resource: { type: 'Run', id: 'new', attrs: { owner: 'key:k1' } } }), { allowed: true, policies: ['everyone-runs'], errors: [] });
    const admin: Principal = { id: 'user:ada', roles: ['admin'], via: 'oidc' };
    assert.deepEqual(await engine.decide({ principal: admin, action: 'use-runtime', resource: { type: 'Runtime', id: 'process', attrs: { wasm: false, isolation: 'namespaces' } } }), { allowed: false, policies: ['no-process-lane'], errors: [] });
  });

  it('can require gVisor for real processes: the runtime resource says how it isolates', async () => {
    const dir = policyDir({
      'ours.cedar': [
        '@id("runners-run")',
        'permit (principal in Umca::Role::"runner", action == Umca::Action::"use-runtime", resource);',
        '@id("processes-only-under-gvisor")',
        'forbid (principal, action == Umca::Action::"use-runtime", resource) unless { resource.wasm || resource.isolation == "gvisor" };',
      ].join('\n'),
    });
    const engine = CedarPolicyEngine.load(dir);
    const runner: Principal = { id: 'key:k1', roles: ['runner'], via: 'api-key' };
    const ask = async (lane: string) => (await engine.decide({ principal: runner, action: 'use-runtime', resource: runtimeResource(lane) })).allowed;
    assert.deepEqual(await Promise.all(['wasm-js', 'wasm-python', 'process', 'gvisor'].map(ask)), [true, true, false, true]);
  });
});
