import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ErrorCode, isJSONRPCRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig } from '../../core/load-config.js';
import { Command } from 'commander';
import { LOCAL_PRINCIPAL } from '../../core/principal.js';
import { createUmcaMcpServer } from '../../mcp/umca-mcp-server.js';
import { openUmca, type GlobalOptions } from '../open-umca.js';
import { runningServer, type RunningServer } from '../running-server.js';

export function mcpCommand(globals: () => GlobalOptions): Command {
  return new Command('mcp')
    .description('serve umca as an MCP server over stdio (for VS Code, Claude Desktop, Cursor), as user:local: runs execute in this process on this state dir, or, while `umca serve` holds it, on that server')
    .addHelpText(
      'after',
      '\nStandard output carries the protocol; messages go to standard error. Ready-made client\nconfigs: docs/mcp.md. Over HTTP, `umca serve` answers MCP at /mcp, authenticated.\n\nExample (.vscode/mcp.json):\n  { "servers": { "umca": { "type": "stdio", "command": "npx", "args": ["umca", "mcp"] } } }',
    )
    .action(async () => {
      const log = (message: string, error?: unknown) => process.stderr.write(`umca: ${message}${error instanceof Error ? ` (${error.message})` : ''}\n`);
      const { config } = loadConfig(globals().config === undefined ? {} : { file: globals().config! });
      const holder = config.database_url ? undefined : runningServer(config.home);
      if (holder) {
        // The server holds the state dir: the IDE talks to its /mcp, as user:local, through this process.
        await bridgeToServer(holder, log);
        return;
      }
      const umca = await openUmca(globals(), { onBackgroundError: (runId, error) => log(`run ${runId} stopped`, error), log });
      umca.policy.ready();
      const server = createUmcaMcpServer({ umca, principal: LOCAL_PRINCIPAL });
      const transport = new StdioServerTransport();
      const closed = untilClosed(transport);
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

/**
 * Relays MCP's JSON-RPC messages between standard input/output and a running server's
 * Streamable HTTP endpoint (the SDK's transports on both sides, so framing, sessions and
 * streamed progress are the SDK's). A request the server cannot take is answered here with
 * a JSON-RPC error naming why, so the IDE never waits for an answer that will not come.
 */
async function bridgeToServer(server: RunningServer, log: (message: string, error?: unknown) => void): Promise<void> {
  const upstream = new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers: { authorization: `Bearer ${server.token}` } } });
  const local = new StdioServerTransport();
  const closed = untilClosed(local);
  local.onmessage = (message: JSONRPCMessage) => {
    upstream.send(message).catch((error: unknown) => {
      if (isJSONRPCRequest(message)) void local.send({ jsonrpc: '2.0', id: message.id, error: { code: ErrorCode.InternalError, message: `the umca server at ${server.url} did not take the request (${(error as Error).message})` } });
      else log(`the umca server at ${server.url} did not take a notification`, error);
    });
  };
  upstream.onmessage = (message: JSONRPCMessage) => {
    // After initialize, each request says the protocol version the two sides agreed on.
    const version = (message as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
    if (typeof version === 'string') upstream.setProtocolVersion(version);
    void local.send(message);
  };
  let closing = false;
  upstream.onerror = (error) => {
    if (!closing) log(`the umca server at ${server.url}`, error);
  };
  await upstream.start();
  await local.start();
  log(`relaying to the umca server at ${server.url} (it holds this state dir)`);
  await closed;
  closing = true;
  await upstream.close().catch(() => undefined);
}

/** Resolves when the IDE goes away (the transport closes, standard input ends) or the process is told to stop. */
function untilClosed(transport: StdioServerTransport): Promise<void> {
  return new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}
