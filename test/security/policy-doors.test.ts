import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Umca } from '../../src/composition.js';
import { SHIPPED_POLICY_DIR } from '../../src/policy/cedar/cedar-policy-engine.js';
import { createApp } from '../../src/server/app.js';
import { apiKeysFor, listenUmca } from '../support/listen.js';
import { testUmca } from '../support/umca.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createUmcaMcpServer } from '../../src/mcp/server/umca-mcp-server.js';

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
