import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { McpToolSet } from '../../src/mcp/client/mcp-tool-set.js';
import { ToolError } from '../../src/tools/tool-error.js';

const SERVER = fileURLToPath(new URL('../support/misbehaving-mcp-server.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

describe('an external MCP server that misbehaves', () => {
  let tools: McpToolSet;
  before(async () => {
    tools = new McpToolSet({
      servers: { bad: { type: 'stdio', command: process.execPath, args: ['--import', TSX, SERVER], env: {} } },
      call_timeout_ms: 10_000,
      connect_timeout_ms: 20_000,
      max_result_bytes: 1024 * 1024,
      max_tool_calls: 8,
    });
    await tools.start();
  });
  after(() => tools.close());

  const waitUntilBack = async (pid: number | undefined) => {
    const [connection] = tools.connections;
    for (let i = 0; i < 200 && !(connection!.availability().available && connection!.pid !== pid); i += 1) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(connection!.availability(), { available: true }, 'the server was started again');
  };

  it('fails a call answered with malformed JSON-RPC with that reason, stops the server and starts it again', async () => {
    const pid = tools.connections[0]!.pid;
    await assert.rejects(tools.get('bad.garbage')!.call({}, { timeoutMs: 10_000 }), (error: unknown) => {
      assert.ok(error instanceof ToolError);
      assert.equal(error.code, 'unavailable');
      assert.match(error.message, /^server bad sent malformed JSON-RPC \("\{\\"jsonrpc\\": \\"2\.0\\", \\"id\\": oops this is not json"\) during the call$/);
      return true;
    });
    assert.match((tools.get('bad.ok')!.availability() as { reason: string }).reason, /server bad is down \(sent malformed JSON-RPC/, 'its tools are unavailable meanwhile');
    await waitUntilBack(pid);
    assert.equal((await tools.get('bad.ok')!.call({}, { timeoutMs: 10_000 })).text, 'fine');
  });

  it('fails a call whose result is over max_result_bytes as too_large, without holding it, and starts the server again', async () => {
    const pid = tools.connections[0]!.pid;
    await assert.rejects(tools.get('bad.huge')!.call({}, { timeoutMs: 10_000 }), (error: unknown) => {
      assert.ok(error instanceof ToolError);
      assert.equal(error.code, 'too_large');
      assert.match(error.message, /sent a message over 1048576 bytes/);
      return true;
    });
    await waitUntilBack(pid);
    assert.equal((await tools.get('bad.ok')!.call({}, { timeoutMs: 10_000 })).text, 'fine');
  });

  it('names a server that cannot start, with its own words, and keeps its place in the list', async () => {
    const broken = new McpToolSet({
      servers: { missing: { type: 'stdio', command: 'no-such-mcp-server', args: [], env: {} }, failing: { type: 'stdio', command: process.execPath, args: ['-e', 'console.error("config file not found"); process.exit(2)'], env: {} } },
      call_timeout_ms: 1_000,
      connect_timeout_ms: 5_000,
      max_result_bytes: 1024,
      max_tool_calls: 8,
    });
    try {
      await broken.start();
      const [missing, failing] = broken.connections;
      assert.match((missing!.availability() as { reason: string }).reason, /^server missing is down \(cannot start no-such-mcp-server: ENOENT\); restarting in \d+ s$/);
      assert.match((failing!.availability() as { reason: string }).reason, /^server failing is down \(exited with code 2 \(its last words: "config file not found"\)\)/);
    } finally {
      await broken.close();
    }
  });
});
