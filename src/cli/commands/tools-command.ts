import { Command } from 'commander';
import { loadConfig } from '../../core/load-config.js';
import { McpToolSet } from '../../mcp/client/mcp-tool-set.js';
import type { GlobalOptions } from '../open-umca.js';

export function toolsCommand(globals: () => GlobalOptions): Command {
  return new Command('tools')
    .description("the tools umca's agents may call: each MCP server in mcp.servers, started now, with its tools and why any is not available")
    .option('--json', 'print JSON')
    .addHelpText('after', '\nServers are declared in umca.yaml as in VS Code\'s mcp.json (docs/mcp.md). Whether a principal may\ncall a tool is policy (use-tool), decided at each call.\n\nExample:\n  npx umca tools')
    .action(async (options: { json?: boolean }) => {
      const { config } = loadConfig(globals().config === undefined ? {} : { file: globals().config! });
      const tools = new McpToolSet(config.mcp);
      const servers = Object.entries(config.mcp.servers);
      if (!options.json && servers.length === 0) {
        process.stdout.write('no MCP servers configured (mcp.servers in umca.yaml; see docs/mcp.md)\n');
        return;
      }
      if (process.stderr.isTTY && !options.json) process.stderr.write(`starting ${servers.length} MCP server${servers.length > 1 ? 's' : ''}…\n`);
      try {
        await tools.start();
        const listed = tools.connections.map((connection) => {
          const availability = connection.availability();
          const server = config.mcp.servers[connection.name]!;
          return {
            server: connection.name,
            type: server.type,
            target: server.type === 'stdio' ? [server.command, ...server.args].join(' ') : server.url,
            available: availability.available,
            ...(availability.available ? {} : { reason: availability.reason }),
            tools: tools.list().filter((tool) => tool.server === connection.name).map((tool) => ({ name: tool.name, description: tool.description, annotations: tool.annotations })),
          };
        });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(listed)}\n`);
          return;
        }
        for (const server of listed) {
          const state = server.available ? `ready, ${server.tools.length} tool${server.tools.length === 1 ? '' : 's'}` : `not available — ${server.reason}`;
          process.stdout.write(`${server.server} (${server.type}: ${server.target}): ${state}\n`);
          const width = Math.max(0, ...server.tools.map((tool) => tool.name.length));
          for (const tool of server.tools) process.stdout.write(`  ${tool.name.padEnd(width)}  ${tool.description.split('\n')[0]}\n`);
        }
        if (listed.some((server) => !server.available)) process.exitCode = 1;
      } finally {
        await tools.close();
      }
    });
}
