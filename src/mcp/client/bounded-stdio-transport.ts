import { spawn, type ChildProcess } from 'node:child_process';
import { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export interface BoundedStdioOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** A message (one line) over this size is refused: the server is stopped, its calls fail. */
  maxMessageBytes: number;
}

const STDERR_TAIL = 2_000;

/**
 * MCP's stdio transport for a server umca starts, with bounds the SDK's own does not have:
 * a message over `maxMessageBytes` or a line that is not JSON-RPC stops the server (its
 * pending calls fail with that reason, and umca restarts it) instead of growing a buffer
 * without end or being skipped. The server's stderr tail is kept for error messages.
 */
export class BoundedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #options: BoundedStdioOptions;
  #child: ChildProcess | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #stderr = '';
  #closed = false;
  /** Why the transport ended, when it was not a plain exit. */
  failure: string | undefined;

  constructor(options: BoundedStdioOptions) {
    this.#options = options;
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.#closed ? undefined : this.#child?.pid;
  }

  /** The last lines the server wrote to stderr. */
  get stderrTail(): string {
    return this.#stderr.trim();
  }

  async start(): Promise<void> {
    const { command, args, env, cwd } = this.#options;
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command, args, { env, ...(cwd ? { cwd } : {}), stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
      this.#child = child;
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        this.failure ??= `cannot start ${command}: ${(error as NodeJS.ErrnoException).code ?? error.message}`;
        reject(new Error(this.failure));
        this.#finish();
      });
      child.stdout.on('data', (chunk: Buffer) => this.#read(chunk));
      child.stderr.on('data', (chunk: Buffer) => {
        this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
      });
      // Writes to a server that died are reported by its exit, not as a crash of umca.
      child.stdin.on('error', () => undefined);
      child.once('exit', (code, signal) => {
        this.failure ??= signal ? `exited on ${signal}` : `exited with code ${code}`;
        this.#finish();
      });
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || this.#closed) throw new Error(`the server is not running (${this.failure ?? 'closed'})`);
    await new Promise<void>((resolve, reject) => stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    const child = this.#child;
    this.failure ??= 'closed by umca';
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      killer.unref();
      await new Promise<void>((resolve) => child.once('exit', () => resolve()));
      clearTimeout(killer);
    }
    this.#finish();
  }

  #read(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(0x0a);
    while (newline >= 0) {
      this.#pending.push(chunk.subarray(start, newline));
      const line = Buffer.concat(this.#pending).toString('utf8');
      this.#pending = [];
      this.#pendingBytes = 0;
      if (!this.#accept(line)) return;
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    const rest = chunk.subarray(start);
    this.#pendingBytes += rest.length;
    if (this.#pendingBytes > this.#options.maxMessageBytes) {
      this.#isolate(`sent a message over ${this.#options.maxMessageBytes} bytes`);
      return;
    }
    if (rest.length) this.#pending.push(rest);
  }

  /** Hands one line on as a message; false once the server was isolated for it. */
  #accept(line: string): boolean {
    if (Buffer.byteLength(line) > this.#options.maxMessageBytes) {
      this.#isolate(`sent a message over ${this.#options.maxMessageBytes} bytes`);
      return false;
    }
    if (!line.trim()) return true;
    let message: JSONRPCMessage;
    try {
      message = deserializeMessage(line);
    } catch {
      this.#isolate(`sent malformed JSON-RPC (${JSON.stringify(line.length > 80 ? `${line.slice(0, 77)}…` : line)})`);
      return false;
    }
    this.onmessage?.(message);
    return true;
  }

  /** A server that broke the protocol is stopped; its pending calls fail with this reason. */
  #isolate(reason: string): void {
    this.failure ??= reason;
    this.onerror?.(new Error(reason));
    void this.close();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
  }
}
