import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Umca } from '../src/umca.js';
import { createApp } from '../src/server/app.js';
import { readSse } from './support/sse.js';
import { DEMO_SPEC, demoFixture, scriptedModel } from './support/scripted.js';
import { testUmca } from './support/umca.js';

let umca: Umca;
let app: ReturnType<typeof createApp>;
const get = async (path: string, init?: RequestInit): Promise<Response> => app.request(path, init);

before(async () => {
  umca = await testUmca({ limits: { spec_max_chars: 2_000, references_max_chars: 5_000, request_body_bytes: 8_192 } });
  app = createApp(umca, { log: () => undefined });
});
after(() => umca.close());

const post = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  app.request(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(body), ['error'], 'only {error:{code,message}}');
  assert.doesNotMatch(body.error.message, /\n\s+at /, 'no stack trace');
  return { status: response.status, ...body.error };
}

describe('HTTP API', () => {
  it('accepts a run with 202 and streams every event in order to run.completed', async () => {
    const created = await post('/v1/runs', { spec: DEMO_SPEC, model: 'scripted:demo' });
    assert.equal(created.status, 202);
    const { id, status } = (await created.json()) as { id: string; status: string };
    assert.equal(status, 'created');

    const stream = await app.request(`/v1/runs/${id}/events`);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    const received = await readSse(stream);
    const stored = await umca.store.readEvents(id);
    assert.deepEqual(received.map((r) => r.event.seq), stored.map((e) => e.seq));
    assert.deepEqual(received.map((r) => r.id), stored.map((e) => String(e.seq)), 'the SSE id is the seq');
    assert.deepEqual(received.map((r) => r.event.hash), stored.map((e) => e.hash));
    assert.equal(received.at(-1)?.event.type, 'run.completed');

    const run = (await (await app.request(`/v1/runs/${id}`)).json()) as { status: string; artifacts: Array<{ path: string }> };
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.artifacts.map((a) => a.path), ['src/slugify.ts', 'test/slugify.test.ts']);

    const verify = (await (await app.request(`/v1/runs/${id}/verify`)).json()) as { ok: boolean; events: number };
    assert.deepEqual([verify.ok, verify.events], [true, stored.length]);

    const file = await app.request(`/v1/runs/${id}/artifacts/src/slugify.ts`);
    assert.equal(file.status, 200);
    assert.match(await file.text(), /export function slugify/);
  });

  it("takes a scripted model's own spec when the body has none (the offline demo)", async () => {
    const created = await post('/v1/runs', { model: 'scripted:demo' });
    assert.equal(created.status, 202);
    const { id } = (await created.json()) as { id: string };
    assert.equal((await umca.store.getRun(id))?.spec, DEMO_SPEC);
  });

  it('resumes a dropped stream with Last-Event-ID, live, without duplicates', async () => {
    const model = scriptedModel({ ...demoFixture(), delay_ms: 50 });
    const { id } = (await (await post('/v1/runs', { spec: DEMO_SPEC, model })).json()) as { id: string };
    const first = await readSse(await app.request(`/v1/runs/${id}/events`), 5);
    assert.deepEqual(first.map((r) => r.event.seq), [1, 2, 3, 4, 5]);
    const rest = await readSse(await app.request(`/v1/runs/${id}/events`, { headers: { 'last-event-id': '5' } }));
    const all = [...first, ...rest].map((r) => r.event.seq);
    assert.deepEqual(all, all.map((_, i) => i + 1), 'gap-free, no duplicates');
    assert.equal(rest.at(-1)?.event.type, 'run.completed');
    const viaQuery = await readSse(await app.request(`/v1/runs/${id}/events?after=${all.length - 1}`));
    assert.deepEqual(viaQuery.map((r) => r.event.type), ['run.completed']);
  });

  it('lists runs newest first, with filters and pagination', async () => {
    const list = (await (await app.request('/v1/runs?limit=1')).json()) as { data: Array<{ id: string }>; next: string | null };
    assert.equal(list.data.length, 1);
    assert.ok(list.next);
    const page2 = (await (await app.request(`/v1/runs?limit=1&before=${list.next}`)).json()) as { data: Array<{ id: string }> };
    assert.notEqual(page2.data[0]?.id, list.data[0]?.id);
    const completed = (await (await app.request('/v1/runs?status=completed')).json()) as { data: Array<{ status: string }> };
    assert.ok(completed.data.length >= 1 && completed.data.every((r) => r.status === 'completed'));
  });

  it('cancels a running run and refuses to cancel a finished one', async () => {
    const model = scriptedModel({ delay_ms: 10_000, replies: { planner: ['{}'] } });
    const { id } = (await (await post('/v1/runs', { spec: 'slow', model })).json()) as { id: string };
    await new Promise((r) => setTimeout(r, 50));
    const cancelled = await post(`/v1/runs/${id}/cancel`, {});
    assert.equal(cancelled.status, 200);
    assert.equal(((await cancelled.json()) as { status: string }).status, 'cancelled');
    const again = await errorOf(await post(`/v1/runs/${id}/cancel`, {}));
    assert.deepEqual([again.status, again.code], [409, 'conflict']);
    const events = await readSse(await app.request(`/v1/runs/${id}/events`));
    assert.equal(events.at(-1)?.event.type, 'run.cancelled');
  });

  it("serves the web console: its pages uncached, its hashed assets cached for a year, nothing else", async () => {
    const page = await app.request('/runs/some-run');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    assert.ok(asset, 'index.html loads a script');
    const script = await app.request(asset);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    for (const path of ['/assets/missing.js', '/assets/../../package.json', '/runs/a/b/c']) assert.equal((await app.request(path)).status, 404, path);
  });

  describe('bad input gets a clear answer', () => {
    const cases: Array<[string, () => Promise<Response>, number, string, RegExp]> = [
      ['malformed JSON', () => post('/v1/runs', '{"spec": '), 400, 'invalid_json', /not valid JSON/],
      ['a body not sent as JSON (as a web page could, cross-origin)', async () => app.request('/v1/runs', { method: 'POST', body: '{"spec": "x"}', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type', /content-type: application\/json/],
      ['a missing spec', () => post('/v1/runs', { model: scriptedModel({ replies: { planner: ['{}'] } }) }), 400, 'invalid_request', /^spec: required/],
      ['a spec of the wrong type', () => post('/v1/runs', { spec: 42 }), 400, 'invalid_request', /^spec: expected string, received number/],
      ['an unknown field', () => post('/v1/runs', { spec: 'x', colour: 'red' }), 400, 'invalid_request', /colour/],
      ['an empty spec', () => post('/v1/runs', { spec: '  ' }), 400, 'spec_missing', /must not be empty/],
      ['a spec with a NUL character', () => post('/v1/runs', { spec: 'a\u0000b' }), 400, 'nul_byte', /NUL byte/],
      ['an over-long spec', () => post('/v1/runs', { spec: 'x'.repeat(2_001) }), 400, 'spec_too_long', /limit is 2000/],
      ['a body over the size limit', () => post('/v1/runs', { spec: 'x'.repeat(9_000) }), 413, 'payload_too_large', /8192 bytes/],
      ['an unknown model', () => post('/v1/runs', { spec: 'x', model: 'gpt-nothing' }), 404, 'model_not_found', /unknown model "gpt-nothing"/],
      ['an unknown runtime', () => post('/v1/runs', { spec: 'x', runtime: 'vm' }), 400, 'invalid_request', /^runtime: /],
      ['a malformed egress grant', () => post('/v1/runs', { spec: 'x', allowed_outbound_hosts: ['not a host'] }), 400, 'egress_invalid', /^allowed_outbound_hosts: /],
      ['network for a WebAssembly-only run', () => post('/v1/runs', { spec: 'x', runtime: 'wasm', allowed_outbound_hosts: ['pypi.org:443'] }), 400, 'options_conflict', /needs the process lane/],
      ['a reference with a bad name', () => post('/v1/runs', { spec: 'x', references: [{ name: '../etc/passwd', content: 'x' }] }), 400, 'reference_invalid', /^references\[0\]\.name: use letters/],
      ['a reference named twice', () => post('/v1/runs', { spec: 'x', references: [{ name: 'a.md', content: 'x' }, { name: 'a.md', content: 'y' }] }), 400, 'reference_invalid', /"a\.md" is given twice/],
      ['an empty reference', () => post('/v1/runs', { spec: 'x', references: [{ name: 'a.md', content: ' ' }] }), 400, 'reference_invalid', /references\[0\]\.content: must be non-empty/],
      ['references over the limit', () => post('/v1/runs', { spec: 'x', references: [{ name: 'a.md', content: 'y'.repeat(3_000) }, { name: 'b.md', content: 'z'.repeat(3_000) }] }), 400, 'references_too_long', /references hold 6000 characters; the limit is 5000/],
      ['an override of an unknown run', () => post('/v1/runs/nope/override', { reason: 'x' }), 404, 'run_not_found', /run nope not found/],
      ['an override without a reason', () => post('/v1/runs/nope/override', {}), 400, 'invalid_request', /^reason: /],
      ['an unknown run', () => get('/v1/runs/nope'), 404, 'run_not_found', /run nope not found/],
      ['events of an unknown run', () => get('/v1/runs/nope/events'), 404, 'run_not_found', /nope/],
      ['verify of an unknown run', () => get('/v1/runs/nope/verify'), 404, 'run_not_found', /nope/],
      ['cancel of an unknown run', () => post('/v1/runs/nope/cancel', {}), 404, 'run_not_found', /nope/],
      ['a bad Last-Event-ID', async () => {
        const list = (await (await app.request('/v1/runs?limit=1')).json()) as { data: Array<{ id: string }> };
        return get(`/v1/runs/${list.data[0]!.id}/events`, { headers: { 'last-event-id': 'abc' } });
      }, 400, 'invalid_request', /Last-Event-ID/],
      ['a bad status filter', () => get('/v1/runs?status=done'), 400, 'invalid_request', /status: expected one of/],
      ['a bad limit', () => get('/v1/runs?limit=0'), 400, 'invalid_request', /limit/],
      ['an unknown artifact', async () => {
        const list = (await (await app.request('/v1/runs?status=completed&limit=1')).json()) as { data: Array<{ id: string }> };
        return get(`/v1/runs/${list.data[0]!.id}/artifacts/..%2F..%2Fetc%2Fpasswd`);
      }, 404, 'artifact_not_found', /no artifact/],
      ['an unknown route', () => get('/v2/nothing'), 404, 'not_found', /no route GET \/v2\/nothing/],
    ];
    for (const [name, request, status, code, message] of cases) {
      it(`answers ${name} with ${status} ${code}`, async () => {
        const error = await errorOf(await request());
        assert.equal(error.status, status);
        assert.equal(error.code, code);
        assert.match(error.message, message);
      });
    }
  });

  it('reports health', async () => {
    const health = await app.request('/healthz');
    assert.deepEqual(await health.json(), { status: 'ok', store: 'pglite' });
  });
});
