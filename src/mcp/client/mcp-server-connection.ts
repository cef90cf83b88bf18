import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type CallToolResult, type Tool as McpToolInfo } from '@modelcontextprotocol/sdk/types.js';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { McpServerConfig } from '../../core/config.js';
import type { ToolAvailability, ToolCallOptions, ToolOutput } from '../../tools/tool.js';
import { ToolError } from '../../tools/tool-error.js';
import { boundedFetch } from './bounded-fetch.js';
import { BoundedStdioTransport } from './bounded-stdio-transport.js';
import { expandEnv, expandEnvRecord } from './expand-env.js';
import { toolResultText } from './tool-content.js';

export interface McpConnectionOptions {
  connectTimeoutMs: number;
  maxMessageBytes: number;
  /** First and longest wait before starting a server that went down again. */
  restartInitialMs?: number;
  restartMaxMs?: number;
}

type State =
  | { kind: 'stopped' }
  | { kind: 'connecting' }
  | { kind: 'ready'; client: Client; transport: Transport }
  | { kind: 'down'; reason: string; retryAt: number };

/**
 * One external MCP server umca's agents may use: started (stdio) or connected (HTTP) on
 * `start()`, its tools listed; when it exits, breaks the protocol or sends too much, its
 * pending calls fail with the reason, its tools are unavailable, and it is started again
 * with exponential backoff (cockatiel's), until `close()`.
 */
export class McpServerConnection {
  readonly name: string;
  readonly #config: McpServerConfig;
  readonly #options: McpConnectionOptions;
  #state: State = { kind: 'stopped' };
  #backoff: IBackoff<unknown> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #ready: Promise<void> | undefined;
  /** The tools of the last successful listing: still listed (as unavailable) while the server is down. */
  #known: McpToolInfo[] = [];

  constructor(name: string, config: McpServerConfig, options: McpConnectionOptions) {
    this.name = name;
    this.#config = config;
    this.#options = options;
  }

  /** The tools the server offers, as last listed; `availability()` says whether they can be called now. */
  get tools(): McpToolInfo[] {
    return this.#known;
  }

  /** The server's process id, for a stdio server that is running. */
  get pid(): number | undefined {
    return this.#state.kind === 'ready' && this.#state.transport instanceof BoundedStdioTransport ? this.#state.transport.pid : undefined;
  }

  availability(): ToolAvailability {
    switch (this.#state.kind) {
      case 'ready':
        return { available: true };
      case 'down': {
        const wait = Math.max(0, Math.ceil((this.#state.retryAt - Date.now()) / 1000));
        return { available: false, reason: `server ${this.name} is down (${this.#state.reason}); restarting in ${wait} s` };
      }
      case 'connecting':
        return { available: false, reason: `server ${this.name} is starting` };
      default:
        return { available: false, reason: `server ${this.name} is not started` };
    }
  }

  /** Starts the server once; resolves when it is ready or its first start failed (it keeps retrying). */
  start(): Promise<void> {
    this.#ready ??= this.#connect();
    return this.#ready;
  }

  async call(tool: string, args: Record<string, unknown>, options: ToolCallOptions): Promise<ToolOutput> {
    const state = this.#state;
    if (state.kind !== 'ready') throw new ToolError('unavailable', (this.availability() as { reason: string }).reason);
    let result: CallToolResult;
    try {
      result = (await state.client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      })) as CallToolResult;
    } catch (error) {
      const failure = this.#callError(error, options.timeoutMs);
      // A transport that failed (a refused connection, a session the server forgot, a pipe
      // that broke) is dropped, so the server is reached afresh, with backoff.
      if (failure.code === 'unavailable' && this.#state === state) void state.client.close();
      throw failure;
    }
    const sizeBytes = Buffer.byteLength(JSON.stringify(result));
    return { text: toolResultText(result), isError: result.isError === true, sizeBytes };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const state = this.#state;
    this.#state = { kind: 'stopped' };
    if (state.kind === 'ready') await state.client.close().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    this.#state = { kind: 'connecting' };
    let failure: string | undefined;
    const transport = this.#transport((reason) => (failure ??= reason));
    const client = new Client({ name: 'umca', version: '0.1.0' });
    try {
      await client.connect(transport, { timeout: this.#options.connectTimeoutMs });
      const tools: McpToolInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, { timeout: this.#options.connectTimeoutMs });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      if (this.#closed) {
        await client.close();
        return;
      }
      client.onclose = () => this.#down(failure ?? reasonOf(transport) ?? 'the connection closed', transport);
      this.#state = { kind: 'ready', client, transport };
      this.#known = tools;
      this.#backoff = undefined;
    } catch (error) {
      await client.close().catch(() => undefined);
      this.#down(failure ?? reasonOf(transport) ?? describe(error), transport);
    }
  }

  #down(reason: string, transport: Transport): void {
    if (this.#closed || this.#state.kind === 'down') return;
    // A server that failed on its own usually says why on stderr; one killed by a signal does not.
    const stderr = /exited with code [1-9]|cannot start|timed out|Connection closed/i.test(reason) ? stderrOf(transport) : undefined;
    this.#backoff = this.#backoff
      ? this.#backoff.next(undefined)
      : new ExponentialBackoff({ initialDelay: this.#options.restartInitialMs ?? 500, maxDelay: this.#options.restartMaxMs ?? 30_000 }).next();
    const delay = this.#backoff.duration;
    this.#state = { kind: 'down', reason: stderr ? `${reason} (its last words: ${JSON.stringify(stderr)})` : reason, retryAt: Date.now() + delay };
    this.#timer = setTimeout(() => void this.#connect(), delay);
    this.#timer.unref();
  }

  #transport(onFailure: (reason: string) => void): Transport {
    const config = this.#config;
    const field = `mcp.servers.${this.name}`;
    if (config.type === 'stdio') {
      return new BoundedStdioTransport({
        command: expandEnv(config.command, `${field}.command`),
        args: config.args.map((arg, i) => expandEnv(arg, `${field}.args[${i}]`)),
        // The SDK's allow-list of the host's variables (PATH, HOME…), never its secrets, plus the server's own.
        env: { ...getDefaultEnvironment(), ...expandEnvRecord(config.env, `${field}.env`) },
        ...(config.cwd ? { cwd: config.cwd } : {}),
        maxMessageBytes: this.#options.maxMessageBytes,
      });
    }
    return new StreamableHTTPClientTransport(new URL(config.url), {
      requestInit: { headers: expandEnvRecord(config.headers, `${field}.headers`) },
      fetch: boundedFetch(this.#options.maxMessageBytes, (reason) => {
        onFailure(reason);
        // Drop the connection: it is started again, and the call that was too large fails.
        if (this.#state.kind === 'ready') void this.#state.client.close();
      }),
    });
  }

  #callError(error: unknown, timeoutMs: number): ToolError {
    if (error instanceof ToolError) return error;
    if (error instanceof McpError) {
      if (error.code === ErrorCode.RequestTimeout) return new ToolError('timeout', `${this.name} did not answer within ${timeoutMs} ms`);
      if (error.code === ErrorCode.InvalidParams) return new ToolError('invalid_arguments', `${this.name}: ${error.message.replace(/^MCP error -?\d+: /, '')}`);
      if (error.code === ErrorCode.ConnectionClosed) {
        const down = this.#state.kind === 'down' ? this.#state.reason : 'the connection closed';
        return new ToolError(/over \d+ bytes/.test(down) ? 'too_large' : 'unavailable', `server ${this.name} ${down} during the call`);
      }
      return new ToolError('error', `${this.name}: ${error.message.replace(/^MCP error -?\d+: /, '')}`);
    }
    const message = describe(error);
    if (/over \d+ bytes/.test(message)) return new ToolError('too_large', `server ${this.name} ${message}`);
    return new ToolError('unavailable', `server ${this.name}: ${message}`);
  }
}

function reasonOf(transport: Transport): string | undefined {
  return transport instanceof BoundedStdioTransport ? transport.failure : undefined;
}

/** The server's last stderr line, which usually says why it stopped. */
function stderrOf(transport: Transport): string | undefined {
  if (!(transport instanceof BoundedStdioTransport)) return undefined;
  const tail = transport.stderrTail.split('\n').at(-1);
  return tail ? tail.slice(0, 200) : undefined;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^MCP error -?\d+: /, '');
}
