import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of a server (NATS here), so a test can cut every connection through
 * it — as a network drop would — without touching the server other tests use.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #refusing = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      if (proxy!.#refusing) return void client.destroy();
      const upstream = connect(target.port, target.host);
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        proxy!.#sockets.add(a);
        a.on('close', () => {
          proxy!.#sockets.delete(a);
          b.destroy();
        });
        a.on('error', () => b.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    proxy = new TcpProxy(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `nats://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  /** Drops every connection and refuses new ones for `ms`. */
  async cut(ms: number): Promise<void> {
    this.#refusing = true;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.#refusing = false;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
