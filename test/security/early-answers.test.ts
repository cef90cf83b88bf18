import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Umca } from '../../src/umca.js';
import { apiKeysFor, listenUmca } from '../support/listen.js';
import { testUmca } from '../support/umca.js';

// An answer that comes before the request's body was read: every route says Connection: close,
// the client gets the whole answer (no reset while it is still sending), and the connection
// then closes instead of being taken for the next request.
let umca: Umca;
let server: Awaited<ReturnType<typeof listenUmca>>;
let token = '';
before(async () => {
  umca = await testUmca({ auth: { mode: 'token' }, limits: { request_body_bytes: 65_536 } });
  token = (await apiKeysFor(umca, ['operator'])).operator!;
  server = await listenUmca(umca);
});
after(async () => {
  await server.close();
  await umca.close();
});

/**
 * Sends a request head declaring `length` body bytes, then the body in 16 KiB chunks until
 * `sent` bytes are out or the socket closes; returns the raw answer and whether the socket
 * was reset before the answer was complete. Resolves when the server has closed the connection.
 */
function early(head: string, length: number, sent: number): Promise<{ answer: string; reset: boolean }> {
  const { port } = new URL(server.base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    let reset = false;
    let written = 0;
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const pump = () => {
      while (written < sent && !socket.destroyed) {
        written += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    socket.on('connect', () => {
      socket.write(`${head}\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`);
      pump();
    });
    socket.on('data', (data) => (answer += data.toString('latin1')));
    socket.on('error', () => (reset = !/\r\n\r\n[\s\S]*\}$/.test(answer)));
    const timer = setTimeout(() => socket.destroy(), 15_000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, reset });
    });
    socket.on('end', () => socket.end());
  });
}

describe('security: answers before the body, on every route', () => {
  for (const [door, head, auth] of [
    ['the Hono routes', 'POST /v1/runs HTTP/1.1', true],
    ['the OpenAI hot path', 'POST /v1/chat/completions HTTP/1.1', true],
  ] as const) {
    it(`${door}: a 413 for a declared over-limit body says Connection: close and reaches a client that is still sending`, async () => {
      const started = Date.now();
      const result = await early(`${head}\r\nauthorization: Bearer ${auth ? token : ''}`, 2_000_000, 600_000);
      assert.match(result.answer, /^HTTP\/1\.1 413 /);
      assert.match(result.answer, /\r\nconnection: close\r\n/i);
      assert.match(result.answer, /"code":"payload_too_large"/);
      assert.equal(result.reset, false, 'the answer arrived whole');
      assert.ok(Date.now() - started < 12_000, 'the connection closed once the client stopped');
    });
  }

  it('the Hono routes: a 401 before an unread 300 KB body says Connection: close and arrives whole', async () => {
    const unread = await early('POST /v1/runs HTTP/1.1', 300_000, 300_000);
    assert.match(unread.answer, /^HTTP\/1\.1 401 /);
    assert.match(unread.answer, /\r\nconnection: close\r\n/i);
    assert.match(unread.answer, /\{"error":\{"code":"[a-z_]+","message":/);
    assert.equal(unread.reset, false);
  });

  it('keeps an ordinary connection alive: two requests, two answers', async () => {
    const { port } = new URL(server.base);
    const answers = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\nGET /healthz HTTP/1.1\r\nhost: x\r\n\r\n'));
      let text = '';
      socket.on('data', (data) => {
        text += data.toString();
        if ((text.match(/HTTP\/1\.1 200/g) ?? []).length === 2) {
          socket.destroy();
          resolve(text);
        }
      });
    });
    assert.doesNotMatch(answers, /connection: close/i);
  });
});
