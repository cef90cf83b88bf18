import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Umca } from '../../src/umca.js';
import type { RunEvent } from '../../src/core/events.js';
import { verifyChain } from '../../src/core/hash-chain.js';
import { newApiKey } from '../../src/identity/api-key-authenticator.js';
import { SHIPPED_POLICY_DIR } from '../../src/policy/shipped-policies.js';
import { createHttpServer } from '../../src/server/http-server.js';
import { scratch } from '../support/cli.js';
import { DEMO_SPEC } from '../support/scripted.js';
import { testUmca } from '../support/umca.js';

const BUILT = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

const UMCA_TOOLS = ['kb_add', 'kb_list', 'kb_search', 'umca_chat', 'umca_run', 'umca_run_artifacts', 'umca_run_cancel', 'umca_run_events', 'umca_run_override', 'umca_run_status', 'umca_run_verify', 'umca_runs', 'umca_sandbox_exec'];

function json(result: unknown): Record<string, unknown> {
  const call = result as CallToolResult;
  assert.ok(!call.isError, JSON.stringify(call.content));
  return JSON.parse((call.content[0] as { text: string }).text) as Record<string, unknown>;
}

/** What every client of umca's MCP server can do, whatever the transport. */
async function startFollowAndRead(client: Client): Promise<string> {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), UMCA_TOOLS);
  const run = tools.find((t) => t.name === 'umca_run')!;
  assert.equal(run.annotations?.readOnlyHint, false);
  assert.ok((run.inputSchema.properties as Record<string, unknown>).spec, 'a precise JSON schema');
  assert.equal(tools.find((t) => t.name === 'umca_run_events')!.annotations?.readOnlyHint, true);

  const started = json(await client.callTool({ name: 'umca_run', arguments: { spec: DEMO_SPEC, model: 'scripted:demo' } }));
  const id = started.id as string;
  assert.equal(started.resource, `umca://runs/${id}`);
  // Follow it to completion with umca_run_events, as an IDE agent would.
  const events: RunEvent[] = [];
  let after = 0;
  for (let i = 0; i < 100; i += 1) {
    const page = json(await client.callTool({ name: 'umca_run_events', arguments: { id, after_seq: after, wait_ms: 5_000 } }));
    events.push(...(page.events as RunEvent[]));
    after = page.next_after_seq as number;
    if (page.done) break;
  }
  assert.equal(events.at(-1)?.type, 'run.completed');
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'no event missed or repeated');
  assert.ok(verifyChain(events).ok, 'the events are the verifiable chain itself');

  const artifacts = await client.callTool({ name: 'umca_run_artifacts', arguments: { id } });
  const link = (artifacts.content as Array<{ type: string; uri?: string; name?: string }>).find((c) => c.type === 'resource_link' && c.name === 'src/slugify.ts');
  assert.equal(link?.uri, `umca://runs/${id}/artifacts/src/slugify.ts`);
  const file = await client.readResource({ uri: link!.uri! });
  assert.match((file.contents[0] as { text: string }).text, /export function slugify/);
  const listed = await client.listResources();
  assert.ok(listed.resources.some((r) => r.uri === `umca://runs/${id}`), 'runs are listed as resources');
  return id;
}

describe("umca's MCP server over Streamable HTTP (/mcp on umca serve), authenticated", () => {
  let umca: Umca;
  let server: Server;
  let url: URL;
  const keys: Record<string, string> = {};
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'umca-mcp-policies-'));
    copyFileSync(join(SHIPPED_POLICY_DIR, 'default.cedar'), join(dir, 'default.cedar'));
    writeFileSync(join(dir, 'team.cedar'), '@id("premium-model-for-operators")\nforbid (principal, action == Umca::Action::"use-model", resource == Umca::Model::"scripted:premium") unless { principal in Umca::Role::"operator" };\n');
    umca = await testUmca({ auth: { mode: 'token' }, policy: { dir } });
    for (const role of ['runner', 'operator'] as const) {
      const made = newApiKey();
      await umca.store.createApiKey({ id: made.id, name: role, role, secretSha256: made.secretSha256 });
      keys[role] = made.token;
    }
    server = createHttpServer(umca, { log: () => undefined });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  });
  after(async () => {
    (server as unknown as { closeAllConnections(): void }).closeAllConnections();
    server.close();
    await umca.close();
  });

  const connect = async (key?: string) => {
    const client = new Client({ name: 'test-ide', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url, key ? { requestInit: { headers: { authorization: `Bearer ${key}` } } } : {}));
    return client;
  };

  it('lists the tools, starts a run, follows it to completion and reads an artifact resource', async () => {
    const client = await connect(keys.runner);
    try {
      const id = await startFollowAndRead(client);
      const [created] = await umca.store.readEvents(id, { limit: 1 });
      assert.match(created!.actor, /^key:/, 'the run belongs to the caller');
    } finally {
      await client.close();
    }
  });

  it('refuses a caller without a token (401), names the field of invalid arguments, and the policy of a denied call', async () => {
    await assert.rejects(connect(), /401|missing_token/);
    const client = await connect(keys.runner);
    try {
      const invalid = (await client.callTool({ name: 'umca_run_events', arguments: { id: 42 } })) as CallToolResult;
      assert.equal(invalid.isError, true);
      assert.equal((invalid.content[0] as { text: string }).text, 'invalid_request: id: expected string, received number');
      assert.deepEqual(invalid.structuredContent, { error: { code: 'invalid_request', message: 'id: expected string, received number', param: 'id', type: 'invalid_request_error' } }, 'the HTTP API\'s error body');
      const denied = (await client.callTool({ name: 'umca_chat', arguments: { model: 'scripted:premium', messages: [{ role: 'user', content: 'hi' }] } })) as CallToolResult;
      assert.equal(denied.isError, true);
      assert.match((denied.content[0] as { text: string }).text, /may not use-model Model scripted:premium \(roles: runner; denied by policy premium-model-for-operators\)/);
      const unknown = (await client.callTool({ name: 'umca_run_status', arguments: { id: 'no-such-run' } })) as CallToolResult;
      assert.match((unknown.content[0] as { text: string }).text, /run no-such-run not found/);
    } finally {
      await client.close();
    }
  });

  it('sends progress notifications while umca_run waits for the outcome', async () => {
    const client = await connect(keys.operator);
    try {
      const progress: string[] = [];
      const result = await client.callTool({ name: 'umca_run', arguments: { model: 'scripted:demo', wait: true } }, undefined, {
        onprogress: (p) => progress.push(p.message ?? ''),
        resetTimeoutOnProgress: true,
      });
      assert.equal(json(result).status, 'completed');
      assert.deepEqual(progress.slice(0, 3), ['gate:g0-intake', 'plan', 'gate:g1-plan']);
      assert.equal(progress.at(-1), 'completed');
    } finally {
      await client.close();
    }
  });

  it('runs code in a WASM lane with umca_sandbox_exec and answers one gateway call with umca_chat', async () => {
    const client = await connect(keys.runner);
    try {
      const ran = json(await client.callTool({ name: 'umca_sandbox_exec', arguments: { language: 'python', code: 'print(sum(range(10)))' } }));
      assert.deepEqual([ran.lane, ran.status, ran.exit_code, ran.stdout], ['wasm-python', 'ok', 0, '45\n']);
      const looped = json(await client.callTool({ name: 'umca_sandbox_exec', arguments: { language: 'javascript', code: 'while (true) {}', timeout_ms: 300 } }));
      assert.equal(looped.status, 'timeout');
      const chat = (await client.callTool({ name: 'umca_chat', arguments: { messages: [{ role: 'user', content: 'hello' }] } })) as CallToolResult;
      assert.match((chat.content[0] as { text: string }).text, /scripted, not from a real model/);
      assert.equal((chat.structuredContent as { scripted: boolean }).scripted, true);
      const prompts = await client.listPrompts();
      assert.ok(prompts.prompts.some((p) => p.name === 'umca_planner' && p.arguments?.some((a) => a.name === 'spec')));
      const planner = await client.getPrompt({ name: 'umca_planner', arguments: { spec: 'a stack' } });
      assert.match((planner.messages[0]!.content as { text: string }).text, /You are the planner of umca[\s\S]*Spec:\na stack/);
    } finally {
      await client.close();
    }
  });
});

describe("umca's MCP server over stdio (umca mcp)", () => {
  it('lists the tools, starts a run, follows it to completion and reads an artifact resource', async () => {
    const where = scratch();
    const client = new Client({ name: 'test-ide', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BUILT, 'mcp'], cwd: where.cwd, env: where.env as Record<string, string>, stderr: 'pipe' }));
    try {
      await startFollowAndRead(client);
    } finally {
      await client.close();
    }
  });
});
