import type { IncomingMessage, ServerResponse } from 'node:http';

/** How much of an unread body the server still takes in after answering early, and for how long. */
const DRAIN_BYTES = 16 * 1024 * 1024;
const DRAIN_MS = 10_000;

/**
 * One rule for every route, the node:http hot path and the Hono app alike: when the answer
 * starts before the request's body has been read (a 413 for a declared over-limit length, a
 * 401, 403 or other 4xx answered first), the response says `Connection: close`, and the
 * server keeps reading and discarding what the client still sends (up to 16 MiB and 10 s)
 * before it closes the connection. The client reads the answer instead of a reset, and no
 * unread body is ever taken for the next request.
 */
export function answerBeforeBody(req: IncomingMessage, res: ServerResponse): void {
  // A request without a body can leave nothing unread.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return;
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    if (!req.complete) {
      this.shouldKeepAlive = false;
      holdOpenWhileSending(req);
    }
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}

/**
 * Node (after a `Connection: close` answer) and Hono (500 ms after an early answer) close the
 * socket with `destroySoon`, which resets a connection whose peer is still sending. Here it
 * only half-closes (FIN after the answer); the socket is destroyed once the client has sent
 * its body, stops, or passes the bound.
 */
function holdOpenWhileSending(req: IncomingMessage): void {
  const socket = req.socket;
  if (socket.destroyed) return;
  // Destroyed only once the answer has left Node's buffers, as destroySoon would.
  const close = () => {
    if (socket.destroyed) return;
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  };
  socket.destroySoon = () => {
    if (!socket.writableEnded) socket.end();
    if (req.complete) return close();
    const start = socket.bytesRead;
    const started = Date.now();
    const watch = setInterval(() => {
      if (!req.complete && socket.bytesRead - start <= DRAIN_BYTES && Date.now() - started <= DRAIN_MS) return;
      clearInterval(watch);
      close();
    }, 50);
    watch.unref();
    socket.once('close', () => clearInterval(watch));
  };
  req.resume();
}
