import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Umca } from '../src/umca.js';
import type { UsageTotals } from '../src/core/run.js';
import { createApp } from '../src/server/app.js';
import { startFakeOpenAi, type FakeUpstream } from './support/fake-openai-upstream.js';
import { readRawSse } from './support/sse.js';
import { DEMO_SPEC } from './support/scripted.js';
import { testUmca } from './support/umca.js';

let upstream: FakeUpstream;
let umca: Umca;
let app: ReturnType<typeof createApp>;

before(async () => {
  upstream = await startFakeOpenAi();
  umca = await testUmca({
    providers: { fake: { type: 'openai-compatible', base_url: upstream.url, model: 'echo' } },
    prices: { echo: { input_per_mtok: 2, output_per_mtok: 10 } },
    cache: { enabled: true },
    routing: { max_attempts: 1 },
  });
  app = createApp(umca, { log: () => undefined });
});
after(async () => {
  await umca.close();
  await upstream.close();
});

const ask = (body: unknown) => app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const usage = async (query = '') => ((await (await app.request(`/v1/usage${query}`)).json()) as { data: UsageTotals[] }).data;

describe('usage, cost and metrics', () => {
  it('records every call: plain, streamed without asking for usage, failed, and cached', async () => {
    const plain = await ask({ model: 'fake', messages: [{ role: 'user', content: 'one' }] });
    assert.match(plain.headers.get('x-umca-overhead-ms') ?? '', /^\d+\.\d{3}$/);
    await readRawSse(await ask({ model: 'fake', messages: [{ role: 'user', content: 'two' }], stream: true }));
    assert.equal((await ask({ model: 'fake/broken', messages: [{ role: 'user', content: 'three' }] })).status, 502);
    await ask({ model: 'fake', messages: [{ role: 'user', content: 'one' }] }); // a cache hit

    const byModel = await usage('?group_by=model');
    const fake = byModel.find((t) => t.key === 'fake');
    assert.deepEqual(fake && [fake.requests, fake.errors, fake.cached, fake.input_tokens, fake.output_tokens], [3, 0, 1, 33, 21]);
    // Two upstream calls of 11 in / 7 out at $2 / $10 per million; the cache hit costs nothing.
    assert.ok(Math.abs(fake!.cost_usd - 2 * (11 * 2 + 7 * 10) / 1e6) < 1e-12, String(fake!.cost_usd));
    assert.deepEqual(byModel.find((t) => t.key === 'fake/broken')?.errors, 1);
    const today = new Date().toISOString().slice(0, 10);
    assert.ok((await usage('?group_by=day')).some((t) => t.key === today && t.requests >= 4));
  });

  it('exposes Prometheus metrics, the gateway overhead among them', async () => {
    const response = await app.request('/metrics');
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(text, /umca_model_requests_total\{model="fake",provider="openai-compatible",status="ok",cached="false"\} \d+/);
    assert.match(text, /umca_model_tokens_total\{model="fake",direction="out"\} \d+/);
    assert.match(text, /umca_model_cost_usd_total\{model="fake"\} [\d.e-]+/);
    assert.match(text, /umca_gateway_overhead_seconds_count \d+/);
    assert.match(text, /umca_model_time_to_first_token_seconds_count\{model="fake"\} \d+/);
  });

  it("meters a run's model calls with the run's id", async () => {
    const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: 'scripted:demo', claim: true });
    await umca.engine.execute(run.id);
    const scripted = (await usage()).find((t) => t.key === 'scripted:demo');
    assert.ok(scripted && scripted.requests >= 3, JSON.stringify(scripted));
  });

  it('refuses a bad grouping or time with 400 naming the parameter', async () => {
    const bad = await app.request('/v1/usage?group_by=week');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'group_by');
    const since = await app.request('/v1/usage?since=yesterday-ish');
    assert.equal(((await since.json()) as { error: { param: string } }).error.param, 'since');
  });
});
