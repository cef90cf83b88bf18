import type { Tool as McpToolInfo } from '@modelcontextprotocol/sdk/types.js';
import type { UmcaConfig } from '../../core/config.js';
import type { Tool, ToolAvailability, ToolCallOptions, ToolOutput, ToolSet } from '../../tools/tool.js';
import { McpServerConnection } from './mcp-server-connection.js';

/** A tool of an external MCP server, named `server.tool`. */
class McpTool implements Tool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  readonly annotations: Record<string, unknown>;

  constructor(
    private readonly connection: McpServerConnection,
    private readonly info: McpToolInfo,
  ) {
    this.name = `${connection.name}.${info.name}`;
    this.description = info.description ?? info.title ?? info.name;
    this.inputSchema = info.inputSchema as Record<string, unknown>;
    this.annotations = { ...(info.annotations ?? {}) };
  }

  get server(): string {
    return this.connection.name;
  }

  availability(): ToolAvailability {
    return this.connection.availability();
  }

  call(args: Record<string, unknown>, options: ToolCallOptions): Promise<ToolOutput> {
    return this.connection.call(this.info.name, args, options);
  }
}

/**
 * The tools of every server in `mcp.servers`. `start()` starts them all at once and waits
 * until each is ready or has failed its first start (a failed one keeps retrying, with
 * backoff, and its tools show as unavailable with the reason).
 */
export class McpToolSet implements ToolSet {
  readonly connections: McpServerConnection[];

  constructor(config: UmcaConfig['mcp']) {
    this.connections = Object.entries(config.servers).map(
      ([name, server]) => new McpServerConnection(name, server, { connectTimeoutMs: config.connect_timeout_ms, maxMessageBytes: config.max_result_bytes }),
    );
  }

  async start(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.start()));
  }

  list(): Tool[] {
    return this.connections.flatMap((connection) => connection.tools.map((info) => new McpTool(connection, info)));
  }

  get(name: string): Tool | undefined {
    return this.list().find((tool) => tool.name === name);
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.close()));
  }
}
