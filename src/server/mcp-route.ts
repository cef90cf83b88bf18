import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { createUmcaMcpServer } from '../mcp/umca-mcp-server.js';
import type { McpContext } from '../mcp/mcp-context.js';
import type { AppEnv } from './app-env.js';

/**
 * `/mcp`: umca's MCP server over Streamable HTTP, stateless — each request is authenticated
 * like every other route, and served by a server made for its principal, so every tool
 * decides as that caller. Progress notifications of a long call stream in its response.
 */
export function mcpRoute(umca: McpContext['umca']): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.all('/', async (c) => {
    const server = createUmcaMcpServer({ umca, principal: c.get('principal'), baseUrl: new URL(c.req.url).origin });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: false });
    await server.connect(transport);
    const response = await transport.handleRequest(c.req.raw);
    // The server lives as long as its one request: closed once the response has been sent.
    if (response.body) {
      const closing = new TransformStream();
      // A client that goes away mid-stream ends the pipe with an error: nothing to report.
      const close = () => void server.close();
      void response.body.pipeTo(closing.writable).then(close, close);
      return new Response(closing.readable, response);
    }
    await server.close();
    return response;
  });
  return app;
}
