import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Command } from 'commander';
import { LOCAL_PRINCIPAL } from '../../core/principal.js';
import { createUmcaMcpServer } from '../../mcp/umca-mcp-server.js';
import { openUmca, type GlobalOptions } from '../open-umca.js';

export function mcpCommand(globals: () => GlobalOptions): Command {
  return new Command('mcp')
    .description('serve umca as an MCP server over stdio (for VS Code, Claude Desktop, Cursor): runs execute in this process, on this state dir, as user:local')
    .addHelpText(
      'after',
      '\nStandard output carries the protocol; messages go to standard error. Ready-made client\nconfigs: docs/mcp.md. Over HTTP, `umca serve` answers MCP at /mcp, authenticated.\n\nExample (.vscode/mcp.json):\n  { "servers": { "umca": { "type": "stdio", "command": "npx", "args": ["umca", "mcp"] } } }',
    )
    .action(async () => {
      const log = (message: string, error?: unknown) => process.stderr.write(`umca: ${message}${error instanceof Error ? ` (${error.message})` : ''}\n`);
      const umca = await openUmca(globals(), { onBackgroundError: (runId, error) => log(`run ${runId} stopped`, error), log });
      umca.policy.ready();
      const server = createUmcaMcpServer({ umca, principal: LOCAL_PRINCIPAL });
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => {
        transport.onclose = () => resolve();
        process.stdin.once('end', () => resolve());
        process.once('SIGTERM', () => resolve());
        process.once('SIGINT', () => resolve());
      });
      await server.connect(transport);
      umca.worker.start();
      const resumed = await umca.engine.requeueUnfinished();
      if (resumed.length) log(`resuming ${resumed.length} unfinished run${resumed.length === 1 ? '' : 's'}`);
      await closed;
      // Runs still in flight stop without ending: the next start resumes them.
      await server.close().catch(() => undefined);
      await umca.close();
    });
}
