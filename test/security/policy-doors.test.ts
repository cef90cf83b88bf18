import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Umca } from '../../src/umca.js';
import { SHIPPED_POLICY_DIR } from '../../src/policy/shipped-policies.js';
import { createApp } from '../../src/server/app.js';
import { apiKeysFor, listenUmca } from '../support/listen.js';
import { scriptedModel } from '../support/scripted.js';
import { testUmca } from '../support/umca.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createUmcaMcpServer } from '../../src/mcp/umca-mcp-server.js';

// A policy that forbids a role one named model holds on the OpenAI-compatible API too, on both
// of its servers (the node:http hot path and the Hono routes), plain, streamed and embeddings.
let umca: Umca;
let server: Awaited<ReturnType<typeof listenUmca>>;
let keys: Record<string, string> = {};
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umca-door-policies-'));
  copyFileSync(join(SHIPPED_POLICY_DIR, 'default.cedar'), join(dir, 'default.cedar'));
  writeFileSync(join(dir, 'team.cedar'), '@id("demo-for-operators")\nforbid (principal, action == Umca::Action::"use-model", resource == Umca::Model::"scripted:demo") unless { principal in Umca::Role::"operator" };\n');
  umca = await testUmca({ auth: { mode: 'token' }, policy: { dir } });
  keys = await apiKeysFor(umca, ['runner', 'operator']);
  server = await listenUmca(umca);
});
after(async () => {
  await server.close();
  await umca.close();
});

describe('security: policy about the model the caller named, on the OpenAI-compatible API', () => {
  const base = () => server.base;
  const app = () => createApp(umca, { log: () => undefined });
  const requests: Array<[string, string, unknown]> = [
    ['chat', '/v1/chat/completions', { model: 'scripted:demo', messages: [{ role: 'user', content: 'hi' }] }],
    ['streamed chat', '/v1/chat/completions', { model: 'scripted:demo', stream: true, messages: [{ role: 'user', content: 'hi' }] }],
    ['embeddings', '/v1/embeddings', { model: 'scripted:demo', input: 'hi' }],
  ];
  for (const [transport, send] of [
    ['hot path', (path: string, init: RequestInit) => fetch(`${base()}${path}`, init)],
    ['Hono routes', async (path: string, init: RequestInit) => app().request(path, init)],
  ] as const) {
    for (const [label, path, body] of requests) {
      it(`${transport}, ${label}: a runner is refused the forbidden model (403 naming the policy), an operator is served`, async () => {
        const init = (key: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
        const refused = await send(path, init(keys.runner!));
        const answer = (await refused.json()) as { error: { code: string; message: string } };
        assert.deepEqual([refused.status, answer.error.code], [403, 'forbidden']);
        assert.match(answer.error.message, /use-model Model scripted:demo.*demo-for-operators/);
        const served = await send(path, init(keys.operator!));
        assert.equal(served.status, 200);
        await served.arrayBuffer();
      });
    }
  }
});

describe('security: MCP prompts ask policy', () => {
  const connect = async (roles: Array<'runner'>) => {
    const server = createUmcaMcpServer({ umca, principal: { id: 'user:nobody', roles, via: 'oidc' } });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'ide', version: '1' });
    await client.connect(clientSide);
    return { client, close: async () => { await client.close(); await server.close(); } };
  };

  it('a caller with no umca role reads no prompt; a runner does', async () => {
    const nobody = await connect([]);
    const listed = await nobody.client.listPrompts().then((r) => r.prompts, () => []);
    assert.deepEqual(listed, []);
    await assert.rejects(nobody.client.getPrompt({ name: 'umca_planner', arguments: { spec: 'x' } }));
    await nobody.close();
    const runner = await connect(['runner']);
    assert.ok((await runner.client.listPrompts()).prompts.some((p) => p.name === 'umca_planner'));
    const prompt = await runner.client.getPrompt({ name: 'umca_planner', arguments: { spec: 'a slugify function' } });
    assert.match(JSON.stringify(prompt.messages), /slugify/);
    await runner.close();
  });
});

describe('security: runners read their own runs; operators read all', () => {
  it('over HTTP: another runner gets 403 for the run and its log, and the list shows each runner only its runs', async () => {
    const [first, second] = [keys.runner!, (await apiKeysFor(umca, ['runner'])).runner!];
    const model = scriptedModel({ replies: { planner: [{ content: 'no plan' }] } });
    const created = await fetch(`${server.base}/v1/runs`, { method: 'POST', headers: { authorization: `Bearer ${first}`, 'content-type': 'application/json' }, body: JSON.stringify({ spec: 'a slugify function', model }) });
    assert.equal(created.status, 202);
    const { id } = (await created.json()) as { id: string };
    const get = (path: string, token: string) => fetch(`${server.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    for (const path of [`/v1/runs/${id}`, `/v1/runs/${id}/log`, `/v1/runs/${id}/verify`, `/v1/runs/${id}/artifacts`]) {
      const refused = await get(path, second);
      assert.equal(refused.status, 403, path);
      assert.match(((await refused.json()) as { error: { message: string } }).error.message, /read-run/);
      assert.equal((await get(path, first)).status, 200, path);
      assert.equal((await get(path, keys.operator!)).status, 200, path);
    }
    const listed = async (token: string) => ((await (await get('/v1/runs', token)).json()) as { data: Array<{ id: string; owner: string | null }> }).data.map((run) => run.id);
    assert.ok((await listed(first)).includes(id));
    assert.ok(!(await listed(second)).includes(id), "another runner's list does not show it");
    assert.ok((await listed(keys.operator!)).includes(id));
    const run = (await (await get(`/v1/runs/${id}`, first)).json()) as { owner: string };
    assert.match(run.owner, /^key:/, 'the run says who started it');
  });

  it('over MCP: the run resources a runner lists are its own', async () => {
    const mine = await umca.engine.createRun({ spec: 'mine', model: 'scripted:demo', principal: { id: 'user:ann', roles: ['runner'], via: 'oidc' } });
    const theirs = await umca.engine.createRun({ spec: 'theirs', model: 'scripted:demo', principal: { id: 'user:bea', roles: ['runner'], via: 'oidc' } });
    const server = createUmcaMcpServer({ umca, principal: { id: 'user:ann', roles: ['runner'], via: 'oidc' } });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'ide', version: '1' });
    await client.connect(clientSide);
    try {
      const uris = (await client.listResources()).resources.map((r) => r.uri);
      assert.ok(uris.includes(`umca://runs/${mine.id}`));
      assert.ok(!uris.includes(`umca://runs/${theirs.id}`));
      await assert.rejects(client.readResource({ uri: `umca://runs/${theirs.id}` }), /read-run/);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
