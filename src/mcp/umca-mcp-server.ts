import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { UmcaError } from '../core/errors.js';
import type { z } from 'zod';
import { containsNul } from '../core/nul-bytes.js';
import { validateInput } from '../core/validate-input.js';
import { registerGatewayTools } from './server/gateway-tools.js';
import { registerKnowledgeTools } from './server/kb-tools.js';
import type { McpContext } from './mcp-context.js';
import { registerPromptTemplates } from './server/prompt-templates.js';
import { registerRunResources } from './server/run-resources.js';
import { registerRunTools } from './server/run-tools.js';

/**
 * umca as an MCP server, for one caller: tools to start and follow runs, call the gateway
 * and run code in a WASM lane; runs and artifacts as resources; prompt templates as
 * prompts. Every tool asks the same policy as the HTTP API, as the caller.
 */
export function createUmcaMcpServer(context: McpContext): McpServer {
  const server = new McpServer(
    { name: 'umca', version: '0.1.0', title: 'umca: a governed multi-agent control plane' },
    { instructions: 'Start a run with umca_run (a spec in plain words), follow it with umca_run_events, read its files as umca://runs/<id>/artifacts/<path> resources. Search a team\'s documents and code with kb_search (kb_list names the knowledge bases); cite hits by their citation.' },
  );
  guardTools(server);
  registerRunTools(server, context);
  registerGatewayTools(server, context);
  registerKnowledgeTools(server, context);
  registerRunResources(server, context);
  registerPromptTemplates(server, context);
  return server;
}

/**
 * The edge rules of every tool registered on `server`, in one place: arguments holding a
 * NUL byte are invalid params before the handler runs (as over HTTP); arguments are checked
 * against the tool's schema here, by the same function the HTTP API uses, so a wrong field is
 * `invalid_request` naming it (the SDK's own check, replaced below, would answer with bare
 * text); and a UmcaError the handler throws is a tool error carrying the HTTP API's error body
 * (`{error:{code,message}}` as structured content, `code: message` as text), so a caller sees
 * the same codes on every door.
 */
function guardTools(server: McpServer): void {
  const register = server.registerTool.bind(server) as (...args: unknown[]) => unknown;
  // The SDK validates arguments before the handler, outside anything a handler can shape; the
  // wrapper below validates instead (with the same schema), so this passes them through.
  (server as unknown as { validateToolInput: (tool: { inputSchema?: unknown }, args: unknown) => Promise<unknown> }).validateToolInput = async (tool, args) =>
    tool.inputSchema === undefined ? undefined : (args ?? {});
  (server as { registerTool: unknown }).registerTool = (name: string, config: { inputSchema?: z.ZodType }, handler: (...args: unknown[]) => unknown) =>
    register(name, config, async (...args: unknown[]) => {
      if (containsNul(args[0])) throw new McpError(ErrorCode.InvalidParams, `${name}: an argument contains a NUL byte (U+0000), which umca does not accept`);
      try {
        const input = config.inputSchema === undefined ? [] : [validateInput(config.inputSchema, args[0])];
        return await handler(...input, ...args.slice(config.inputSchema === undefined ? 0 : 1));
      } catch (error) {
        if (!(error instanceof UmcaError)) throw error;
        return { isError: true, content: [{ type: 'text', text: `${error.code}: ${error.message}` }], structuredContent: error.toJSON() };
      }
    });
}
