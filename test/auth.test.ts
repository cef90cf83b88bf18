import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { Umca } from '../src/umca.js';
import { newApiKey } from '../src/identity/api-key-authenticator.js';
import { createApp } from '../src/server/app.js';
import { createHttpServer } from '../src/server/http-server.js';
import { runCli, scratch } from './support/cli.js';
import { TestIssuer } from './support/oidc-issuer.js';
import { testUmca } from './support/umca.js';

let issuer: TestIssuer;
let umca: Umca;
let app: ReturnType<typeof createApp>;

before(async () => {
  issuer = await TestIssuer.start();
  umca = await testUmca({
    model: 'scripted:demo',
    auth: { mode: 'token', oidc: { issuer: issuer.issuer, audience: 'umca', client_id: 'umca-api', jwks_cooldown_ms: 0, clock_tolerance_s: 0 } },
  });
  app = createApp(umca, { log: () => undefined });
});
after(async () => {
  await umca.close();
  await issuer.close();
});

const call = (path: string, token: string | undefined, init: RequestInit = {}) =>
  app.request(path, { ...init, headers: { ...(token === undefined ? {} : { authorization: token.includes(' ') ? token : `Bearer ${token}` }), 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
const createRun = (token: string | undefined) => call('/v1/runs', token, { method: 'POST', body: JSON.stringify({ spec: 'a slugify function' }) });

async function refused(response: Response, status: number, code: string): Promise<string> {
  assert.equal(response.status, status, `expected ${status} ${code}`);
  const body = (await response.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, code);
  assert.ok(body.error.message.length > 0);
  return body.error.message;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication: OIDC bearer tokens', () => {
  it('accepts a valid token and takes the roles from Keycloak realm roles', async () => {
    const response = await createRun(await issuer.token({ realm_access: { roles: ['runner', 'offline_access'] } }));
    assert.equal(response.status, 202);
    const { id } = (await response.json()) as { id: string };
    const [created] = await umca.store.readEvents(id, { limit: 1 });
    assert.equal(created?.actor, 'user:alice', 'the run is recorded as started by the principal');
  });

  for (const [name, make, code] of [
    ['no token', async () => undefined, 'missing_token'],
    ['a header that is not Bearer', async () => 'Basic YWxpY2U6cHc=', 'malformed_token'],
    ['a token that is not a JWT', async () => 'not.a.jwt', 'malformed_token'],
    ['an expired token', async () => issuer.token({ roles: ['runner'] }, { expiresAt: Math.floor(Date.now() / 1000) - 60 }), 'token_expired'],
    ['a token not valid yet', async () => issuer.token({ roles: ['runner'] }, { notBefore: Math.floor(Date.now() / 1000) + 600 }), 'token_not_yet_valid'],
    ['a token from another issuer', async () => issuer.token({ roles: ['runner'] }, { issuer: 'https://evil.example/realms/umca' }), 'wrong_issuer'],
    ['a token for another audience', async () => issuer.token({ roles: ['runner'] }, { audience: 'another-app' }), 'wrong_audience'],
    ['an unsigned token (alg: none)', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', iss: issuer.issuer, aud: 'umca', exp: Math.floor(Date.now() / 1000) + 600, roles: ['admin'] })}.`, 'algorithm_not_allowed'],
    [
      'an HS256 token "signed" with the issuer\'s public key',
      async () =>
        new SignJWT({ sub: 'mallory', roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS256', kid: issuer.currentKid })
          .setIssuer(issuer.issuer)
          .setAudience('umca')
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(JSON.stringify(issuer.publicJwk()))),
      'algorithm_not_allowed',
    ],
    ['a token with an unknown kid', async () => issuer.token({ roles: ['runner'] }, { key: await TestIssuer.newKey('RS256', 'not-published') }), 'unknown_key'],
    ['a token signed by another key under a published kid', async () => issuer.token({ roles: ['runner'] }, { key: await TestIssuer.newKey('RS256'), kid: issuer.currentKid }), 'bad_signature'],
  ] as const) {
    it(`refuses ${name} with 401 ${code}`, async () => {
      const response = await createRun(await make());
      await refused(response, 401, code);
      assert.match(response.headers.get('www-authenticate') ?? '', new RegExp(`^Bearer realm="umca", error="invalid_(request|token)", error_description="${code}"`));
    });
  }

  it('follows a key rotation: a token under the new kid verifies after one JWKS refetch', async () => {
    const before = issuer.jwksFetches;
    const oldToken = await issuer.token({ roles: ['runner'] });
    await issuer.rotate('ES256');
    const response = await createRun(await issuer.token({ roles: ['runner'] }));
    assert.equal(response.status, 202);
    assert.ok(issuer.jwksFetches > before, 'the JWKS was fetched again');
    await refused(await createRun(oldToken), 401, 'unknown_key');
  });

  it('reads client roles from resource_access and a plain roles claim, umca- prefixed or not', async () => {
    const operator = await issuer.token({ sub: 'olga', resource_access: { 'umca-api': { roles: ['umca-operator'] }, other: { roles: ['admin'] } } });
    assert.equal((await call('/v1/usage', operator)).status, 200, 'operator from its client roles');
    const otherClientOnly = await issuer.token({ sub: 'oscar', resource_access: { other: { roles: ['admin'] } } });
    assert.match(await refused(await call('/v1/usage', otherClientOnly), 403, 'forbidden'), /user:oscar may not read-usage System usage \(no umca role; no policy permits it\)/);
    const admin = await issuer.token({ sub: 'ada', roles: 'umca-admin other' });
    assert.equal((await call('/v1/usage', admin)).status, 200);
  });

  it('answers 403 naming the action when a runner asks for more', async () => {
    const runner = await issuer.token({ realm_access: { roles: ['runner'] } });
    const message = await refused(await call('/metrics', runner), 403, 'forbidden');
    assert.match(message, /user:alice may not read-usage System usage \(roles: runner; no policy permits it\)/);
    assert.equal((await call('/healthz', undefined)).status, 200, 'health stays public');
  });
});

describe('authentication: API keys', () => {
  const key = async (role: string) => {
    const made = newApiKey();
    await umca.store.createApiKey({ id: made.id, name: 'test', role, secretSha256: made.secretSha256 });
    return made;
  };

  it('accepts a key until it is revoked, then answers revoked_api_key', async () => {
    const runner = await key('runner');
    assert.equal((await createRun(runner.token)).status, 202);
    await umca.store.revokeApiKey(runner.id);
    await refused(await createRun(runner.token), 401, 'revoked_api_key');
  });

  it('refuses a forged or malformed key without telling which part was wrong', async () => {
    const real = await key('admin');
    await refused(await createRun(`umca_${real.id}_${'A'.repeat(43)}`), 401, 'invalid_api_key');
    await refused(await createRun(`umca_${'0'.repeat(12)}_${'A'.repeat(43)}`), 401, 'invalid_api_key');
    await refused(await createRun('umca_short'), 401, 'invalid_api_key');
  });

  it("lets a runner cancel its own run but not another's; an operator cancels any", async () => {
    const mine = await key('runner');
    const theirs = await key('runner');
    const operator = await key('operator');
    const { id } = (await (await createRun(mine.token)).json()) as { id: string };
    const other = (await (await createRun(theirs.token)).json()) as { id: string };
    assert.match(await refused(await call(`/v1/runs/${other.id}/cancel`, mine.token, { method: 'POST' }), 403, 'forbidden'), new RegExp(`key:${mine.id} may not cancel-run Run ${other.id} \\(roles: runner; no policy permits it\\)`));
    const own = await call(`/v1/runs/${id}/cancel`, mine.token, { method: 'POST' });
    assert.ok(own.status === 200 || own.status === 409, `own run: ${own.status}`);
    const any = await call(`/v1/runs/${other.id}/cancel`, operator.token, { method: 'POST' });
    assert.ok(any.status === 200 || any.status === 409, `operator: ${any.status}`);
  });

  it('guards the gateway hot path too: 401 before the body is read, 200 with a key', async () => {
    const server = createHttpServer(umca, { log: () => undefined });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const body = JSON.stringify({ model: 'scripted:demo', messages: [{ role: 'user', content: 'hi' }] });
      const anonymous = await fetch(`${base}/v1/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      await refused(anonymous, 401, 'missing_token');
      const runner = await key('runner');
      const allowed = await fetch(`${base}/v1/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${runner.token}` } });
      assert.equal(allowed.status, 200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('authentication: local mode and the CLI', () => {
  it('refuses to serve without authentication on a non-loopback address', async () => {
    const where = scratch();
    const result = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], where);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /auth\.mode: local \(no authentication\) is only allowed on a loopback address, not 0\.0\.0\.0/);
  });

  it('refuses to start when a policy file does not parse, naming the file and line', async () => {
    const where = scratch();
    mkdirSync(join(where.cwd, 'policies'));
    writeFileSync(join(where.cwd, 'policies', 'team.cedar'), '@id("ok")\npermit (principal, action, resource);\n\npermit (principal, action, resource) when { resource.owner == };\n');
    writeFileSync(join(where.cwd, 'umca.yaml'), 'policy:\n  dir: policies\n');
    const result = await runCli(['serve', '--port', '0'], where);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /team\.cedar:4:\d+: unexpected token/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('creates a key once, lists it without its secret, and revokes it', async () => {
    const where = scratch();
    const created = await runCli(['keys', 'create', '--role', 'runner', '--name', 'ci', '--json'], where);
    assert.equal(created.code, 0, created.stderr);
    const record = JSON.parse(created.stdout) as { id: string; key: string; role: string };
    assert.match(record.key, /^umca_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const listed = await runCli(['keys', 'list', '--json'], where);
    // The secret is everything after the id (base64url: it may hold "_" itself).
    const secret = /^umca_[0-9a-f]{12}_(.+)$/.exec(record.key)![1]!;
    assert.ok(!listed.stdout.includes(secret), 'the secret is never listed');
    assert.deepEqual((JSON.parse(listed.stdout) as Array<{ id: string; role: string }>).map((k) => [k.id, k.role]), [[record.id, 'runner']]);
    assert.equal((await runCli(['keys', 'revoke', record.id], where)).code, 0);
    const again = await runCli(['keys', 'revoke', 'nope'], where);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /no API key nope/);
    const bad = await runCli(['keys', 'create', '--role', 'root'], where);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /--role: expected one of runner, operator, admin, got "root"/);
  });
});
