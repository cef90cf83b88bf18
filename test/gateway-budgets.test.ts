import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Umca } from '../src/umca.js';
import { createApp } from '../src/server/app.js';
import { startFakeOpenAi, type FakeUpstream } from './support/fake-openai-upstream.js';
import { DEMO_SPEC } from './support/scripted.js';
import { testUmca } from './support/umca.js';

let upstream: FakeUpstream;
const open: Umca[] = [];

before(async () => {
  upstream = await startFakeOpenAi();
});
after(async () => {
  for (const umca of open) await umca.close();
  await upstream.close();
});

/** Limits count in fixed minute windows: start a test well inside one. */
async function awayFromMinuteBoundary(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200));
}

async function gateway(budgets: Record<string, unknown>, prices: Record<string, unknown> = {}) {
  const umca = await testUmca({ providers: { fake: { type: 'openai-compatible', base_url: upstream.url, model: 'echo' } }, budgets, prices, routing: { max_attempts: 1 } });
  open.push(umca);
  const app = createApp(umca, { log: () => undefined });
  const ask = (key: string, extra: Record<string, unknown> = {}) =>
    app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100, ...extra }),
    });
  // Replies after a second: every concurrent caller reserves before any reservation is settled.
  const askSlowly = (key: string) => ask(key, { model: 'fake/delayed' });
  return { umca, ask, askSlowly };
}

describe('budgets and rate limits', () => {
  it('holds a requests/min limit exactly under 50 concurrent callers, with Retry-After', async () => {
    await awayFromMinuteBoundary();
    const { ask } = await gateway({ per_key: { requests_per_min: 20 } });
    const before = upstream.requests.length;
    const responses = await Promise.all(Array.from({ length: 50 }, () => ask('sk-team-a')));
    assert.equal(responses.filter((r) => r.status === 200).length, 20);
    const refused = responses.filter((r) => r.status === 429);
    assert.equal(refused.length, 30);
    const retryAfter = Number(refused[0]!.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const body = (await refused[0]!.json()) as { error: { code: string; type: string; message: string } };
    assert.deepEqual([body.error.code, body.error.type], ['budget_exceeded', 'rate_limit_error']);
    assert.match(body.error.message, /requests per min limit/);
    assert.equal(upstream.requests.length - before, 20, 'refused calls never reached the upstream');
    assert.equal((await ask('sk-team-b')).status, 200, 'another key has its own budget');
  });

  it('reserves prompt plus output tokens, then settles to the real usage', async () => {
    await awayFromMinuteBoundary();
    // "hi" is 8 prompt tokens; with max_tokens 100 each call reserves 108 of 500.
    const { ask, askSlowly } = await gateway({ per_key: { tokens_per_min: 500 } });
    const responses = await Promise.all(Array.from({ length: 10 }, () => askSlowly('sk-tokens')));
    assert.equal(responses.filter((r) => r.status === 200).length, 4, '4 x 108 <= 500 < 5 x 108');
    // Settled at 18 real tokens each (72), so more fit now.
    assert.equal((await ask('sk-tokens')).status, 200);
  });

  it('never lets spend pass the daily limit', async () => {
    // $1000 per million tokens: each call reserves 108 tokens, $0.108, of $0.25 a day.
    const { askSlowly } = await gateway({ per_key: { usd_per_day: 0.25 } }, { delayed: { input_per_mtok: 1000, output_per_mtok: 1000 } });
    const responses = await Promise.all(Array.from({ length: 5 }, () => askSlowly('sk-spend')));
    assert.equal(responses.filter((r) => r.status === 200).length, 2);
    const refused = responses.find((r) => r.status === 429)!;
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /usd per day limit/);
  });

  it("stops a run whose role is over budget, naming the role and limit", async () => {
    await awayFromMinuteBoundary();
    const { umca } = await gateway({ roles: { coder: { requests_per_min: 1 } } });
    const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: 'scripted:demo', claim: true });
    const done = await umca.engine.execute(run.id);
    assert.equal(done.status, 'failed');
    assert.match(done.reason ?? '', /role coder would exceed its requests per min limit; retry in \d+ s/);
  });
});
