import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Umca } from '../../src/umca.js';
import { createApp } from '../../src/server/app.js';
import { createUmcaMcpServer } from '../../src/mcp/umca-mcp-server.js';
import { LOCAL_PRINCIPAL } from '../../src/core/principal.js';
import { testUmca } from '../support/umca.js';

// What a caller types is bounded at the edge: a NUL byte, a seq past the database's range.
// Each is a 4xx naming what is wrong — never a 500, never a database error in the log.
let umca: Umca;
let runId: string;
const logged: string[] = [];
before(async () => {
  umca = await testUmca();
  runId = (await umca.engine.createRun({ spec: 'a slugify function', model: 'scripted:demo' })).id;
});
after(() => umca.close());

describe('security: NUL bytes and out-of-range values at every door', () => {
  const app = () => createApp(umca, { log: (message) => void logged.push(message) });
  const request = (path: string, init: RequestInit = {}) => app().request(path, init);
  const post = (path: string, body: string) => request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('a NUL in a run id is 404 run_not_found on every run route', async () => {
    for (const [method, path] of [
      ['GET', '/v1/runs/%00'],
      ['GET', '/v1/runs/%00/verify'],
      ['GET', '/v1/runs/%00/log'],
      ['GET', '/v1/runs/%00/events'],
      ['GET', '/v1/runs/%00/artifacts.zip'],
      ['GET', '/v1/runs/%00/artifacts/src/a.ts'],
      ['GET', `/v1/runs/${runId}/artifacts/src%00.ts`],
      ['POST', '/v1/runs/%00/cancel'],
      ['POST', '/v1/runs/%00/override'],
    ] as const) {
      const response = await request(path, method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body: '{"reason":"x"}' } : { method });
      const body = (await response.json()) as { error: { code: string } };
      assert.deepEqual([response.status, body.error.code], [404, 'run_not_found'], `${method} ${path}`);
    }
  });

  it('a NUL in a query parameter or a JSON body is 400 nul_byte naming where', async () => {
    for (const path of ['/v1/runs?q=%00', '/v1/runs?before=%00', '/v1/runs?status=%00', '/v1/usage?since=%00']) {
      const response = await request(path);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.deepEqual([response.status, body.error.code], [400, 'nul_byte'], path);
      assert.match(body.error.message, /query parameter "\w+" contains a NUL byte/);
    }
    for (const [path, body] of [
      ['/v1/runs', '{"spec":"a\\u0000b"}'],
      ['/v1/runs', '{"spec":"ok","references":[{"name":"a\\u0000","content":"x"}]}'],
      ['/v1/chat/completions', '{"model":"scripted:demo","messages":[{"role":"user","content":"\\u0000"}]}'],
      ['/v1/embeddings', '{"model":"scripted:demo","input":"x\\u0000"}'],
      [`/v1/runs/${runId}/override`, '{"reason":"because\\u0000"}'],
    ] as const) {
      const response = await post(path, body);
      const answer = (await response.json()) as { error: { code: string; message: string } };
      assert.deepEqual([response.status, answer.error.code], [400, 'nul_byte'], `${path} ${body}`);
    }
    // The escaped text "\\u0000" is four characters, not a NUL: accepted.
    assert.equal((await post('/v1/chat/completions', '{"model":"scripted:demo","messages":[{"role":"user","content":"\\\\u0000"}]}')).status, 200);
  });

  it('Last-Event-ID and ?after= past the largest seq are 400, not an empty stream', async () => {
    for (const headers of [{ 'last-event-id': '2147483648' }, { 'last-event-id': '99999999999999999999' }, { 'last-event-id': '1e3' }, { 'last-event-id': '-1' }]) {
      const response = await request(`/v1/runs/${runId}/events`, { headers });
      assert.equal(response.status, 400, JSON.stringify(headers));
    }
    assert.equal((await request(`/v1/runs/${runId}/events?after=2147483648`)).status, 400);
    assert.deepEqual(logged.filter((line) => /database|invalid input|out of range/i.test(line)), [], 'no database error reached the log');
  });

  it('MCP tools refuse a NUL in any argument with invalid params, and a seq past the range', async () => {
    const server = createUmcaMcpServer({ umca, principal: LOCAL_PRINCIPAL });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'attacker', version: '1' });
    await client.connect(clientSide);
    for (const [name, args] of [
      ['umca_run_status', { id: '\0' }],
      ['umca_run_events', { id: `${runId}\0` }],
      ['umca_run', { spec: 'x\0y' }],
      ['umca_chat', { model: 'scripted:demo', messages: [{ role: 'user', content: '\0' }] }],
    ] as const) {
      const result = await client.callTool({ name, arguments: args }).catch((error: Error) => ({ isError: true, content: [{ type: 'text', text: error.message }] }));
      assert.equal(result.isError, true, name);
      assert.match(JSON.stringify(result.content), /NUL byte/, name);
    }
    const range = await client.callTool({ name: 'umca_run_events', arguments: { id: runId, after_seq: 2_147_483_648 } });
    assert.equal(range.isError, true);
    await client.close();
    await server.close();
  });
});
