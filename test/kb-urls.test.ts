import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Principal } from '../src/core/principal.js';
import { KnowledgeService } from '../src/services/knowledge-service.js';
import type { KnowledgeBases } from '../src/services/knowledge.js';
import type { Umca } from '../src/umca.js';
import { shippedPoliciesWith } from './support/policies.js';
import { testUmca } from './support/umca.js';

const operator: Principal = { id: 'key:0pe7a70r0000', roles: ['operator'], via: 'api-key' };

/** The shipped policies plus one that keeps everyone from reaching denied.test. */
const policies = () => shippedPoliciesWith('egress.cedar', '@id("no-denied-test")\nforbid (principal, action == Umca::Action::"egress", resource) when { resource.host == "denied.test" };\n');

/**
 * URL sources: the server fetches them as the caller, where policy grants egress to the host;
 * a name that resolves to this machine or a private network is refused unless
 * knowledge.fetch_private_networks says otherwise (the fetch's own rules are in
 * src/knowledge/fetch-url.test.ts).
 */
describe('knowledge bases from URLs', () => {
  let umca: Umca;
  let server: Server;
  let page = '';
  let kb: KnowledgeBases;
  before(async () => {
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>Runbook</title></head><body><article><h1>Runbook</h1><p>Rotate the signing key every ninety days and publish the new key to the transparency log.</p></article></body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    page = `http://127.0.0.1:${(server.address() as AddressInfo).port}/runbook`;
    umca = await testUmca({ policy: { dir: policies() } });
    kb = umca.knowledge.for(operator);
    await kb.create({ name: 'web', embedding_model: 'scripted:demo' });
  });
  after(async () => {
    server.close();
    await umca.close();
  });

  it('refuses a URL on this machine by default, naming the address and the setting, and stores nothing', async () => {
    const report = await kb.add('web', { documents: [{ url: page }] });
    assert.equal(report.added, 0);
    assert.deepEqual(report.failed.map((f) => f.source), [page]);
    assert.match(report.failed[0]!.reason, /127\.0\.0\.1, which a knowledge-base URL may not reach; set knowledge\.fetch_private_networks: true/);
  });

  it('fetches it where private networks are allowed: the URL is the source, its type from Content-Type, and search finds it', async () => {
    const intranet = new KnowledgeService({ store: umca.store.knowledge, access: umca.access, resolveModel: (ref) => umca.models.resolve(ref), settings: { ...umca.config.knowledge, fetch_private_networks: true } }).for(operator);
    const report = await intranet.add('web', { documents: [{ url: page, tags: ['ops'] }] });
    assert.deepEqual([report.added, report.failed], [1, []]);
    const { hits } = await kb.search('web', { query: 'rotate the signing key', k: 1, mode: 'bm25' });
    assert.deepEqual([hits[0]?.source, hits[0]?.type], [page, 'html']);
  });

  it('a URL whose host policy does not grant refuses the whole request before anything is written', async () => {
    const before = (await kb.show('web')).base.documents;
    await assert.rejects(
      kb.add('web', { documents: [{ source: 'notes.md', content: '# Notes\n\nsome notes' }, { url: 'https://denied.test/secrets' }] }),
      (e: Error & { code?: string; status?: number }) => e.code === 'forbidden' && e.status === 403 && /egress Host denied\.test:443/.test(e.message),
    );
    assert.equal((await kb.show('web')).base.documents, before, 'nothing written');
  });

  it('a URL that is not http or https is a 400 naming the field', async () => {
    await assert.rejects(kb.add('web', { documents: [{ url: 'file:///etc/passwd' }] }), (e: Error & { code?: string }) => e.code === 'invalid_request' && /^documents\.0/.test(e.message));
  });
});
