import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { McpServerConfig } from '../core/config.js';
import { McpToolSet } from '../mcp/client/mcp-tool-set.js';
import { EVERYTHING_STDIO } from '../../test/support/mcp-everything.js';
import { ToolError } from './tool-error.js';

/** server-everything over Streamable HTTP, on a port of its own. */
async function startEverythingHttp(): Promise<{ url: string; stop(): Promise<void>; restart(): Promise<void> }> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  let child: ChildProcess;
  const start = async () => {
    child = spawn(EVERYTHING_STDIO.command, [EVERYTHING_STDIO.args[0]!, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        seen += chunk;
        if (seen.includes('listening on port')) resolve();
      });
      child.once('exit', () => reject(new Error(`server-everything stopped: ${seen}`)));
    });
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  await start();
  return { url: `http://127.0.0.1:${port}/mcp`, stop, restart: start };
}

// One contract for every Tool implementation: today the tools of an MCP server, reached over
// each transport (a real server from npm, @modelcontextprotocol/server-everything).
const transports: Array<{ name: string; setup(): Promise<{ config: McpServerConfig; kill(): Promise<void>; revive(): Promise<void>; close(): Promise<void> }> }> = [
  {
    name: 'MCP over stdio',
    async setup() {
      return { config: { ...EVERYTHING_STDIO, env: {} }, kill: async () => undefined, revive: async () => undefined, close: async () => undefined };
    },
  },
  {
    name: 'MCP over Streamable HTTP',
    async setup() {
      const server = await startEverythingHttp();
      return { config: { type: 'http', url: server.url, headers: {} }, kill: server.stop, revive: server.restart, close: server.stop };
    },
  },
];

for (const transport of transports) {
  describe(`Tool contract: ${transport.name}`, () => {
    let set: McpToolSet;
    let fixture: Awaited<ReturnType<(typeof transports)[number]['setup']>>;
    before(async () => {
      fixture = await transport.setup();
      set = new McpToolSet({ servers: { everything: fixture.config }, call_timeout_ms: 5_000, connect_timeout_ms: 20_000, max_result_bytes: 1 << 20, max_tool_calls: 8 });
      await set.start();
    });
    after(async () => {
      await set.close();
      await fixture.close();
    });

    it('names each tool server.tool, with its description, JSON Schema and hints', () => {
      const sum = set.get('everything.get-sum');
      assert.ok(sum, set.list().map((t) => t.name).join(', '));
      assert.equal(sum.server, 'everything');
      assert.equal(sum.description, 'Returns the sum of two numbers');
      assert.equal((sum.inputSchema as { type: string }).type, 'object');
      assert.deepEqual(Object.keys((sum.inputSchema as { properties: object }).properties).sort(), ['a', 'b']);
      assert.equal(sum.annotations.readOnlyHint, true);
      assert.deepEqual(sum.availability(), { available: true });
    });

    it('returns the text of a result with its size; a failure the tool reports is an isError output', async () => {
      const output = await set.get('everything.get-sum')!.call({ a: 2, b: 40 }, { timeoutMs: 5_000 });
      assert.deepEqual([output.text, output.isError], ['The sum of 2 and 40 is 42.', false]);
      assert.ok(output.sizeBytes >= output.text.length);
      const invalid = await set.get('everything.get-sum')!.call({ a: 'two' }, { timeoutMs: 5_000 });
      assert.equal(invalid.isError, true);
      assert.match(invalid.text, /expected number, received string at a/);
    });

    it('rejects a call past its limit with timeout, and an aborted call promptly', async () => {
      const long = set.get('everything.trigger-long-running-operation')!;
      await assert.rejects(long.call({ duration: 10, steps: 10 }, { timeoutMs: 300 }), (e: unknown) => e instanceof ToolError && e.code === 'timeout' && /did not answer within 300 ms/.test(e.message));
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(new Error('caller went away')), 100);
      await assert.rejects(long.call({ duration: 10, steps: 10 }, { timeoutMs: 5_000, signal: controller.signal }), ToolError);
      assert.ok(Date.now() - started < 2_000, 'promptly');
    });

    it('is unavailable with the reason while its server is gone, and available again once it is back', async () => {
      if (transport.name.includes('stdio')) {
        const pid = set.connections[0]!.pid!;
        process.kill(pid, 'SIGKILL');
      } else {
        await fixture.kill();
      }
      const sum = set.get('everything.get-sum')!;
      // A call finds out at once (stdio: the exit; HTTP: the refused connection).
      let failed: unknown;
      for (let i = 0; i < 50 && !failed; i += 1) {
        failed = await sum.call({ a: 1, b: 1 }, { timeoutMs: 1_000 }).then(() => undefined, (e: unknown) => e);
        if (!failed) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(failed instanceof ToolError && failed.code === 'unavailable', String(failed));
      for (let i = 0; i < 50 && sum.availability().available; i += 1) await new Promise((r) => setTimeout(r, 20));
      assert.match((sum.availability() as { reason?: string }).reason ?? '', /^server everything is down \(.+\); restarting in \d+ s$/);
      await fixture.revive();
      for (let i = 0; i < 200 && !sum.availability().available; i += 1) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(sum.availability(), { available: true });
      assert.equal((await sum.call({ a: 1, b: 2 }, { timeoutMs: 5_000 })).text, 'The sum of 1 and 2 is 3.');
    });
  });
}
