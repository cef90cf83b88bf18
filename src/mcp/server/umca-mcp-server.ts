import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerGatewayTools } from './gateway-tools.js';
import type { McpContext } from './mcp-context.js';
import { registerPromptTemplates } from './prompt-templates.js';
import { registerRunResources } from './run-resources.js';
import { registerRunTools } from './run-tools.js';

/**
 * umca as an MCP server, for one caller: tools to start and follow runs, call the gateway
 * and run code in a WASM lane; runs and artifacts as resources; prompt templates as
 * prompts. Every tool asks the same policy as the HTTP API, as the caller.
 */
export function createUmcaMcpServer(context: McpContext): McpServer {
  const server = new McpServer(
    { name: 'umca', version: '0.1.0', title: 'umca: a governed multi-agent control plane' },
    { instructions: 'Start a run with umca_run (a spec in plain words), follow it with umca_run_events, read its files as umca://runs/<id>/artifacts/<path> resources.' },
  );
  registerRunTools(server, context);
  registerGatewayTools(server, context);
  registerRunResources(server, context);
  registerPromptTemplates(server);
  return server;
}
