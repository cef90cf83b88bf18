// An MCP server (the official SDK, over stdio) that misbehaves on request, standing in for a
// broken third-party server: `garbage` answers with a line that is not JSON-RPC, `huge` with
// a 2 MB result, `ok` properly. Run with: node --import tsx misbehaving-mcp-server.ts
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const server = new McpServer({ name: 'misbehaving', version: '1.0.0' });
server.registerTool('ok', { description: 'answers properly' }, async () => ({ content: [{ type: 'text', text: 'fine' }] }));
server.registerTool('garbage', { description: 'answers with a line that is not JSON-RPC' }, async () => {
  process.stdout.write('{"jsonrpc": "2.0", "id": oops this is not json\n');
  return new Promise(() => undefined);
});
server.registerTool('huge', { description: 'answers with 2 MB' }, async () => ({ content: [{ type: 'text', text: 'x'.repeat(2 * 1024 * 1024) }] }));
await server.connect(new StdioServerTransport());
