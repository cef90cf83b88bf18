import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { containsNul } from '../../core/nul-bytes.js';
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
  refuseNulArguments(server);
  registerRunTools(server, context);
  registerGatewayTools(server, context);
  registerRunResources(server, context);
  registerPromptTemplates(server, context);
  return server;
}

/**
 * Every tool registered on `server` refuses arguments holding a NUL byte with invalid
 * params, before its handler runs: the same edge rule as the HTTP API's, in one place.
 */
function refuseNulArguments(server: McpServer): void {
  const register = server.registerTool.bind(server) as (...args: unknown[]) => unknown;
  (server as { registerTool: unknown }).registerTool = (name: string, config: unknown, handler: (...args: unknown[]) => unknown) =>
    register(name, config, (...args: unknown[]) => {
      if (containsNul(args[0])) throw new McpError(ErrorCode.InvalidParams, `${name}: an argument contains a NUL byte (U+0000), which umca does not accept`);
      return handler(...args);
    });
}
