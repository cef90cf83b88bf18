import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Umca } from '../src/umca.js';
import { createApp } from '../src/server/app.js';
import { startFakeOpenAi, type FakeUpstream } from './support/fake-openai-upstream.js';
import { readRawSse } from './support/sse.js';
import { testUmca } from './support/umca.js';

let upstream: FakeUpstream;
let umca: Umca;
let app: ReturnType<typeof createApp>;
let n = 0;

before(async () => {
  upstream = await startFakeOpenAi();
  umca = await testUmca({ providers: { fake: { type: 'openai-compatible', base_url: upstream.url, model: 'echo' } }, cache: { enabled: true, ttl_ms: 300 } });
  app = createApp(umca, { log: () => undefined });
});
after(async () => {
  await umca.close();
  await upstream.close();
});

/** A request no other test sends, so each test starts with a cold cache. */
const fresh = (extra: Record<string, unknown> = {}) => ({ model: 'fake', messages: [{ role: 'user', content: `question ${++n}` }], ...extra });
const ask = (body: unknown, headers: Record<string, string> = {}) =>
  app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const upstreamCalls = () => upstream.requests.length;

describe('response cache on the OpenAI-compatible API', () => {
  it('answers a repeated request from the cache, flagged in a header', async () => {
    const body = fresh({ temperature: 0 });
    const before = upstreamCalls();
    const first = await ask(body);
    const second = await ask(body);
    assert.deepEqual([first.headers.get('x-umca-cache'), second.headers.get('x-umca-cache')], ['miss', 'hit']);
    const [a, b] = [(await first.json()) as { choices: unknown }, (await second.json()) as { choices: unknown }];
    assert.deepEqual(b.choices, a.choices);
    assert.equal(upstreamCalls() - before, 1);
  });

  it('honours Cache-Control no-cache and no-store', async () => {
    const body = fresh();
    await ask(body);
    const bypass = await ask(body, { 'cache-control': 'no-cache' });
    assert.equal(bypass.headers.get('x-umca-cache'), 'miss');
    const other = fresh();
    await ask(other, { 'cache-control': 'no-store' });
    assert.equal((await ask(other)).headers.get('x-umca-cache'), 'miss', 'nothing was stored');
  });

  it('replays a cached reply as a stream, usage included, without calling upstream', async () => {
    const body = fresh({ stream: true, stream_options: { include_usage: true } });
    const first = await readRawSse(await ask(body));
    const before = upstreamCalls();
    const response = await ask(body);
    assert.equal(response.headers.get('x-umca-cache'), 'hit');
    const second = await readRawSse(response);
    const text = (chunks: string[]) => chunks.filter((d) => d !== '[DONE]').map((d) => (JSON.parse(d) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '').join('');
    assert.equal(text(second), text(first));
    assert.equal(second.at(-1), '[DONE]');
    assert.ok(second.some((d) => d.includes('"usage"')));
    assert.equal(upstreamCalls(), before);
  });

  it('forgets an entry after its time to live', async () => {
    const body = fresh();
    await ask(body);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await ask(body)).headers.get('x-umca-cache'), 'miss');
  });
});
