import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ForbiddenError } from '../core/errors.js';
import { fetchUrl, UrlFetchError, type FetchUrlOptions } from './fetch-url.js';

describe('fetching a URL for a knowledge base', () => {
  let server: Server;
  let port = 0;
  const hosts: string[] = [];
  before(async () => {
    server = createServer((request, response) => {
      hosts.push(request.headers.host ?? '');
      if (request.url === '/page') return void response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body><article><h1>Leases</h1><p>A worker renews its lease.</p></article></body></html>');
      if (request.url === '/moved') return void response.writeHead(302, { location: '/page' }).end();
      if (request.url === '/away') return void response.writeHead(302, { location: 'http://elsewhere.test/x' }).end();
      if (request.url === '/loop') return void response.writeHead(302, { location: '/loop' }).end();
      if (request.url === '/big') return void response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5000' }).end('x'.repeat(5_000));
      if (request.url === '/stream') {
        response.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 10; i += 1) response.write('y'.repeat(1_000));
        return void response.end();
      }
      if (request.url === '/silent') return; // never answers
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const allowed: string[] = [];
  const options = (overrides: Partial<FetchUrlOptions> = {}): FetchUrlOptions => ({
    authorize: async (host, p) => {
      allowed.push(`${host}:${p}`);
      if (host === 'elsewhere.test') throw new ForbiddenError(`may not egress Host ${host}:${p}`);
    },
    maxBytes: 2_000,
    timeoutMs: 1_000,
    allowPrivate: true,
    // Every name is this machine: what is tested is that the checked address is the one reached.
    lookup: async () => [{ address: '127.0.0.1', family: 4 }],
    ...overrides,
  });

  it('fetches a page, names its type from Content-Type, follows a redirect, and asks policy for every hop', async () => {
    allowed.length = 0;
    const fetched = await fetchUrl(`http://wiki.test:${port}/moved`, options());
    assert.deepEqual([fetched.url, fetched.type], [`http://wiki.test:${port}/page`, 'html']);
    assert.match(Buffer.from(fetched.content).toString(), /renews its lease/);
    assert.deepEqual(allowed, [`wiki.test:${port}`, `wiki.test:${port}`]);
    assert.equal(hosts.at(-1), `wiki.test:${port}`, 'the name was resolved here and the connection went to the address checked');
  });

  it('refuses loopback and private addresses unless allowed, and link-local and metadata addresses always', async () => {
    await assert.rejects(fetchUrl(`http://127.0.0.1:${port}/page`, options({ allowPrivate: false, lookup: undefined })), (e: Error & { code?: string; status?: number }) => e.code === 'egress_denied' && e.status === 403 && /127\.0\.0\.1.*fetch_private_networks/.test(e.message));
    await assert.rejects(fetchUrl('http://intranet.test/', options({ allowPrivate: false, lookup: async () => [{ address: '10.1.2.3', family: 4 }] })), (e: Error & { code?: string }) => e.code === 'egress_denied');
    for (const address of ['169.254.169.254', 'fe80::1', '0.0.0.0']) {
      await assert.rejects(fetchUrl('http://metadata.test/', options({ lookup: async () => [{ address, family: address.includes(':') ? 6 : 4 }] })), (e: Error & { code?: string }) => e.code === 'egress_denied', address);
    }
    // A name with one good and one refused address is refused: the resolver picks which one a connection gets.
    await assert.rejects(fetchUrl('http://mixed.test/', options({ allowPrivate: false, lookup: async () => [{ address: '93.184.215.14', family: 4 }, { address: '192.168.1.1', family: 4 }] })), (e: Error & { code?: string }) => e.code === 'egress_denied');
  });

  it('stops at a redirect policy refuses, at too many redirects, at an HTTP error, past the size limit and at the time limit', async () => {
    await assert.rejects(fetchUrl(`http://wiki.test:${port}/away`, options()), ForbiddenError);
    await assert.rejects(fetchUrl(`http://wiki.test:${port}/loop`, options()), (e: Error) => e instanceof UrlFetchError && /more than 5 redirects/.test(e.message));
    await assert.rejects(fetchUrl(`http://wiki.test:${port}/nothing`, options()), (e: Error) => e instanceof UrlFetchError && e.message === 'the server answered 404');
    await assert.rejects(fetchUrl(`http://wiki.test:${port}/big`, options()), (e: Error) => e instanceof UrlFetchError && /5000 bytes, over knowledge\.max_document_bytes \(2000\)/.test(e.message));
    await assert.rejects(fetchUrl(`http://wiki.test:${port}/stream`, options()), (e: Error) => e instanceof UrlFetchError && /over knowledge\.max_document_bytes/.test(e.message));
    const started = Date.now();
    await assert.rejects(fetchUrl(`http://wiki.test:${port}/silent`, options({ timeoutMs: 300 })), (e: Error) => e instanceof UrlFetchError && /no answer within 300 ms/.test(e.message));
    assert.ok(Date.now() - started < 5_000, 'bounded by the time limit');
    const resolving = Date.now();
    await assert.rejects(fetchUrl('http://slow-dns.test/', options({ timeoutMs: 300, lookup: () => new Promise(() => undefined) })), (e: Error) => e instanceof UrlFetchError && /no answer within 300 ms \(resolving slow-dns\.test\)/.test(e.message));
    assert.ok(Date.now() - resolving < 5_000, 'a name server that never answers is bounded too');
    await assert.rejects(fetchUrl('http://nowhere.test/', options({ lookup: async () => { throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' }); } })), (e: Error) => e instanceof UrlFetchError && /cannot resolve nowhere\.test \(ENOTFOUND\)/.test(e.message));
  });
});
