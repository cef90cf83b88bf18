import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EgressDecision } from '../sandbox-lane.js';
import { parseEgressRules } from '../../core/egress-rules.js';
import { isSensitiveAddress } from '../../core/network-addresses.js';
import { EgressProxy, type Lookup } from './egress-proxy.js';
import { eventData } from '../../core/events.js';

let upstream: Server;
let port: number;
before(async () => {
  upstream = createServer((req, res) => res.end(`upstream saw ${req.method} ${req.url}`));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  port = (upstream.address() as { port: number }).port;
});
after(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

async function withProxy(entries: string[], lookup: Lookup, body: (socketPath: string, decisions: EgressDecision[]) => Promise<void>): Promise<void> {
  const { rules, error } = parseEgressRules(entries);
  assert.equal(error, undefined);
  const decisions: EgressDecision[] = [];
  const socketPath = join(mkdtempSync(join(tmpdir(), 'umca-egress-')), 'proxy.sock');
  const proxy = await EgressProxy.start({ rules, socketPath, lookup, onDecision: (d) => decisions.push(d) });
  try {
    await body(socketPath, decisions);
  } finally {
    await proxy.close();
  }
}

/** Sends CONNECT host:port through the proxy; returns the status and, when tunnelled, what a GET through it returned. */
function connectThrough(socketPath: string, authority: string): Promise<{ status: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'CONNECT', path: authority });
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return resolve({ status: res.statusCode ?? 0 });
      }
      let body = '';
      socket.on('data', (chunk: Buffer) => (body += chunk.toString()));
      socket.on('end', () => resolve({ status: 200, body: body.split('\r\n\r\n')[1] ?? '' }));
      socket.write(`GET /through HTTP/1.1\r\nhost: ${authority}\r\nconnection: close\r\n\r\n`);
    });
    req.on('error', reject);
    req.end();
  });
}

function getThrough(socketPath: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'GET', path: url, headers: { host: URL.canParse(url) ? new URL(url).host : 'nowhere' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const countingLookup = (answers: Record<string, string[]>) => {
  const asked: string[] = [];
  const lookup: Lookup = async (host) => {
    asked.push(host);
    const found = answers[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { asked, lookup };
};

describe('egress policy', () => {
  it('parses host:port, host:*, wildcards, schemes and bracketed IPv6; names a bad entry', () => {
    assert.deepEqual(parseEgressRules(['api.example.com:443', 'cdn.example.com:*', '*.example.org:80', 'https://pypi.org', 'http://127.0.0.1:8080', '[::1]:9000']).rules, [
      { host: 'api.example.com', port: 443 },
      { host: 'cdn.example.com' },
      { host: '*.example.org', port: 80 },
      { host: 'pypi.org', port: 443 },
      { host: '127.0.0.1', port: 8080 },
      { host: '::1', port: 9000 },
    ]);
    for (const bad of ['example.com', 'example.com:0', 'example.com:99999', 'ftp://x.org', 'exa mple.com:80', 'http://x.org/path'])
      assert.ok(parseEgressRules([bad]).error?.includes(`entry ${JSON.stringify(bad)} is not`), bad);
  });

  it('treats loopback, link-local, unspecified and metadata addresses as sensitive', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '169.254.169.254', '0.0.0.0', '100.100.100.200', '::1', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1'])
      assert.equal(isSensitiveAddress(address), true, address);
    for (const address of ['93.184.216.34', '10.0.0.8', '2606:4700::1111']) assert.equal(isSensitiveAddress(address), false, address);
  });
});

describe('egress proxy', () => {
  it('tunnels (CONNECT) and forwards (absolute-form GET) to a listed address', async () => {
    const { asked, lookup } = countingLookup({});
    await withProxy([`127.0.0.1:${port}`], lookup, async (socketPath, decisions) => {
      assert.deepEqual(await connectThrough(socketPath, `127.0.0.1:${port}`), { status: 200, body: 'upstream saw GET /through' });
      assert.deepEqual(await getThrough(socketPath, `http://127.0.0.1:${port}/direct?q=1`), { status: 200, body: 'upstream saw GET /direct?q=1' });
      assert.deepEqual(decisions.map((d) => [d.allowed, d.reason, d.address]), [
        [true, 'listed', '127.0.0.1'],
        [true, 'listed', '127.0.0.1'],
      ]);
      assert.deepEqual(asked, [], 'a listed IP is not looked up');
    });
  });

  it('refuses an unlisted host or port without resolving it: no DNS exfiltration', async () => {
    const { asked, lookup } = countingLookup({ 'api.example.com': ['93.184.216.34'] });
    await withProxy(['api.example.com:443'], lookup, async (socketPath, decisions) => {
      assert.equal((await connectThrough(socketPath, 'c2VjcmV0.exfil.example:443')).status, 403);
      assert.equal((await connectThrough(socketPath, 'api.example.com:22')).status, 403);
      assert.equal((await connectThrough(socketPath, `127.0.0.1:${port}`)).status, 403);
      assert.equal((await getThrough(socketPath, 'http://c2VjcmV0.exfil.example/')).status, 403);
      assert.deepEqual(asked, [], 'refused names are never sent to DNS');
      assert.deepEqual(decisions.map((d) => [d.host, d.port, d.allowed, d.reason]), [
        ['c2vjcmv0.exfil.example', 443, false, 'not_listed'],
        ['api.example.com', 22, false, 'not_listed'],
        ['127.0.0.1', port, false, 'not_listed'],
        ['c2vjcmv0.exfil.example', 80, false, 'not_listed'],
      ]);
    });
  });

  it('refuses a listed name that resolves to loopback, link-local or metadata, unless that address is listed too', async () => {
    const { lookup } = countingLookup({ 'sneaky.example': ['127.0.0.1'], 'metadata.example': ['169.254.169.254'], 'localhost': ['127.0.0.1', '::1'] });
    await withProxy(['sneaky.example:*', 'metadata.example:80', `localhost:${port}`], lookup, async (socketPath, decisions) => {
      assert.equal((await connectThrough(socketPath, `sneaky.example:${port}`)).status, 403);
      assert.equal((await getThrough(socketPath, 'http://metadata.example/latest/meta-data/')).status, 403);
      assert.equal((await getThrough(socketPath, `http://localhost:${port}/`)).status, 403);
      assert.deepEqual(decisions.map((d) => d.reason), ['private_address', 'private_address', 'private_address']);
    });
    await withProxy([`localhost:${port}`, `127.0.0.1:${port}`], lookup, async (socketPath) => {
      assert.deepEqual(await getThrough(socketPath, `http://localhost:${port}/ok`), { status: 200, body: 'upstream saw GET /ok' });
    });
  });

  it('answers a name that does not resolve with 403 dns_failed, and a bad request with 400', async () => {
    const { lookup } = countingLookup({});
    await withProxy(['gone.example:443'], lookup, async (socketPath, decisions) => {
      assert.equal((await connectThrough(socketPath, 'gone.example:443')).status, 403);
      assert.equal(decisions[0]?.reason, 'dns_failed');
      assert.equal((await getThrough(socketPath, '/relative')).status, 400);
    });
  });

  it('reports what a guest asked for as values the event log accepts: a port that is no port is 0, a name bounded and printable', async () => {
    const { lookup } = countingLookup({});
    await withProxy(['api.example:443'], lookup, async (socketPath, decisions) => {
      for (const authority of ['127.0.0.1:1:2', 'host:99999', 'host:-1', 'host', `${'a'.repeat(5_000)}:443`]) {
        assert.equal((await connectThrough(socketPath, authority)).status >= 400, true, authority);
      }
      const eventSchema = eventData['sandbox.egress'];
      for (const decision of decisions) {
        assert.equal(decision.allowed, false);
        assert.ok(Number.isInteger(decision.port) && decision.port >= 0 && decision.port <= 65_535, JSON.stringify(decision).slice(0, 200));
        assert.ok(decision.host.length <= 253);
        assert.ok(eventSchema.safeParse({ step: 'test#1', lane: 'process', ...decision }).success, JSON.stringify(decision).slice(0, 200));
      }
      assert.equal(decisions.length, 5);
    });
  });
});
