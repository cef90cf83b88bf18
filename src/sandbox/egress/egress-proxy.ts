import { lookup as dnsLookup } from 'node:dns/promises';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import { chmod, rm } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type { EgressDecision } from '../sandbox-lane.js';
import { matchRule, type EgressRule } from '../../core/egress-rules.js';
import { isSensitiveAddress } from '../../core/network-addresses.js';

export type Lookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

export interface EgressProxyOptions {
  rules: EgressRule[];
  /** Where the proxy listens; the sandbox sees this socket through its bridge. */
  socketPath: string;
  onDecision: (decision: EgressDecision) => void;
  /** DNS resolution; the default is the system resolver. Names not listed are never resolved. */
  lookup?: Lookup;
  connectTimeoutMs?: number;
}

/**
 * umca's egress proxy for one sandboxed job: an HTTP proxy (CONNECT for TLS and any TCP,
 * absolute-form requests for plain HTTP) that lets through only listed host:port pairs.
 * A listed name is resolved here, once, and refused when it points at loopback, link-local
 * or metadata addresses (unless listed as that address); the connection goes to the very
 * address that was checked, so DNS rebinding cannot swap it. Unlisted names are refused
 * before any DNS query, so a guest cannot leak data through lookups.
 */
export class EgressProxy {
  readonly #options: EgressProxyOptions;
  readonly #server: Server;
  readonly #sockets = new Set<Duplex>();
  /** The first connection refused, which makes the job `egress_denied`. */
  firstDenied: EgressDecision | undefined;

  private constructor(options: EgressProxyOptions) {
    this.#options = options;
    this.#server = createHttpServer((request, response) => void this.#forward(request, response));
    this.#server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => void this.#tunnel(request, client, head));
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: EgressProxyOptions): Promise<EgressProxy> {
    const proxy = new EgressProxy(options);
    await rm(options.socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(options.socketPath, () => resolve());
    });
    // The guest runs as another uid and must be able to connect.
    await chmod(options.socketPath, 0o666);
    return proxy;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await rm(this.#options.socketPath, { force: true });
  }

  /** Decides host:port; returns the address to connect to, or undefined when refused. */
  async #decide(host: string, port: number): Promise<string | undefined> {
    // Reported and matched as one canonical name: no brackets, lower case.
    const name = host.replace(/^\[|\]$/g, '').toLowerCase();
    const validPort = Number.isInteger(port) && port >= 1 && port <= 65_535;
    const decide = (allowed: boolean, reason: string, address?: string): string | undefined => {
      // What the guest asked for goes on the log: a port that is no port is reported as 0, a
      // name as at most 253 printable characters (a DNS name's length).
      const shown = name.replace(/[^\x21-\x7e]/g, '?').slice(0, 253);
      const decision: EgressDecision = { host: shown, port: validPort ? port : 0, allowed, reason, ...(address ? { address } : {}) };
      if (!allowed) this.firstDenied ??= decision;
      this.#options.onDecision(decision);
      return allowed ? address : undefined;
    };
    if (!validPort) return decide(false, 'bad_port');
    const rule = matchRule(this.#options.rules, name, port);
    if (!rule) return decide(false, 'not_listed');
    if (isIP(name)) return decide(true, 'listed', name);
    let addresses: Array<{ address: string }>;
    try {
      addresses = await (this.#options.lookup ?? ((h: string) => dnsLookup(h, { all: true })))(name);
    } catch {
      return decide(false, 'dns_failed');
    }
    const usable = addresses.filter((a) => !isSensitiveAddress(a.address) || matchRule(this.#options.rules, a.address, port));
    if (usable.length === 0) return decide(false, addresses.length === 0 ? 'dns_failed' : 'private_address');
    return decide(true, 'listed', usable[0]!.address);
  }

  async #tunnel(request: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    client.on('error', () => client.destroy());
    const { host, port } = splitAuthority(request.url ?? '');
    const address = await this.#decide(host, port);
    if (!address) {
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\numca egress: destination not granted\n');
      return;
    }
    const upstream = connect({ host: address, port, timeout: this.#options.connectTimeoutMs ?? 10_000 });
    this.#sockets.add(upstream);
    upstream.once('timeout', () => upstream.destroy(new Error('connect timeout')));
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => {
      if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n');
    });
    upstream.on('close', () => {
      this.#sockets.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
  }

  async #forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let target: URL;
    try {
      target = new URL(request.url ?? '');
      if (target.protocol !== 'http:') throw new Error('not http');
    } catch {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('umca egress: send an absolute http:// URL or use CONNECT\n');
      return;
    }
    const port = Number(target.port || 80);
    const address = await this.#decide(target.hostname, port);
    if (!address) {
      response.writeHead(403, { 'content-type': 'text/plain', connection: 'close' }).end('umca egress: destination not granted\n');
      return;
    }
    const headers = { ...request.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = httpRequest({ host: address, port, method: request.method, path: `${target.pathname}${target.search}`, headers, setHost: false }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end();
    });
    request.pipe(upstream);
  }
}

function splitAuthority(authority: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(authority);
  return match ? { host: match[1]!, port: Number(match[2]) } : { host: authority, port: Number.NaN };
}
