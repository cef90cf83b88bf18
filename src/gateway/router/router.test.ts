import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, ProviderError } from '../../core/errors.js';
import { parseConfig } from '../../core/load-config.js';
import { startFakeOpenAi, type FakeUpstream } from '../../../test/support/fake-openai-upstream.js';
import type { StreamPart } from '../model-provider.js';
import { ModelRegistry } from '../model-registry.js';
import type { AliasProvider } from './alias-provider.js';

const REPLY = 'Hello from the fake upstream.';
const hi = { messages: [{ role: 'user' as const, content: 'hi' }] };
let upstream: FakeUpstream;

before(async () => {
  upstream = await startFakeOpenAi();
});
after(() => upstream.close());

/** A registry whose providers are models of the fake upstream. */
function registry(models: Record<string, string>, rest: Record<string, unknown> = {}): ModelRegistry {
  const providers = Object.fromEntries(
    Object.entries(models).map(([name, model]) => [name, { type: 'openai-compatible', base_url: upstream.url, model, timeout_ms: 400 }]),
  );
  const config = parseConfig({ providers, ...rest, routing: { backoff_initial_ms: 5, backoff_max_ms: 20, ...(rest.routing as object) } });
  return new ModelRegistry(config);
}
const calls = (model: string) => upstream.requests.filter((r) => r.model === model);

describe('router', () => {
  it('retries a flaky upstream and succeeds without the caller noticing', async () => {
    const result = await registry({ f: 'flaky-retry' }).resolve('f').chat(hi);
    assert.equal(result.content, REPLY);
    assert.equal(calls('flaky-retry').length, 3, 'two 503s, then the answer');
  });

  it('waits at least Retry-After before retrying a 429', async () => {
    const result = await registry({ l: 'limited' }).resolve('l').chat(hi);
    assert.equal(result.content, REPLY);
    const [first, second] = calls('limited').map((r) => r.at as number);
    assert.ok(second! - first! >= 290, `retried after ${second! - first!} ms`);
  });

  it('falls back to the next upstream when the first keeps failing', async () => {
    const models = registry({ bad: 'broken', good: 'echo' }, { aliases: { main: ['bad', 'good'] }, routing: { max_attempts: 2 } });
    const before = calls('broken').length;
    assert.equal((await models.resolve('main').chat(hi)).content, REPLY);
    assert.equal(calls('broken').length - before, 2, 'the failing upstream got its retries first');
  });

  it('falls back when the first upstream hangs', async () => {
    const models = registry({ hung: 'slow', good: 'echo' }, { aliases: { main: ['hung', 'good'] }, routing: { max_attempts: 1 } });
    const started = Date.now();
    assert.equal((await models.resolve('main').chat(hi)).content, REPLY);
    assert.ok(Date.now() - started < 2_000, 'did not wait for the hung upstream');
  });

  it('answers 502 naming every failure when all upstreams are down, and 504 at the total timeout', async () => {
    const down = registry({ a: 'broken', b: 'garbage' }, { aliases: { main: ['a', 'b'] }, routing: { max_attempts: 1 } });
    await assert.rejects(down.resolve('main').chat(hi), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.deepEqual([error.status, error.code], [502, 'upstream_failed']);
      assert.match(error.message, /HTTP 500.*invalid JSON/);
      return true;
    });
    const hung = registry({ a: 'slow', b: 'slow' }, { aliases: { main: ['a', 'b'] }, routing: { max_attempts: 5, total_timeout_ms: 600 } });
    const started = Date.now();
    await assert.rejects(hung.resolve('main').chat(hi), (error: unknown) => error instanceof ProviderError && error.status === 504 && error.code === 'upstream_timeout');
    assert.ok(Date.now() - started < 1_500, `gave up after ${Date.now() - started} ms`);
  });

  it('opens an upstream circuit after consecutive failures and stops calling it', async () => {
    const models = registry({ bad: 'broken' }, { routing: { max_attempts: 1, breaker_failures: 2, breaker_half_open_ms: 60_000 } });
    const provider = models.resolve('bad');
    await assert.rejects(provider.chat(hi));
    await assert.rejects(provider.chat(hi));
    const before = calls('broken').length;
    await assert.rejects(provider.chat(hi), (error: unknown) => error instanceof ProviderError && error.code === 'provider_circuit_open');
    assert.equal(calls('broken').length, before, 'no request reached the upstream');
  });

  it('fails a stream over only before its first part reaches the caller', async () => {
    const read = async (stream: AsyncIterable<StreamPart>) => {
      let text = '';
      for await (const part of stream) if (part.type === 'text-delta') text += part.text;
      return text;
    };
    const early = registry({ bad: 'broken', good: 'echo' }, { aliases: { main: ['bad', 'good'] }, routing: { max_attempts: 1 } });
    assert.equal(await read(early.resolve('main').stream(hi)), REPLY);

    const late = registry({ cut: 'truncated', good: 'echo' }, { aliases: { main: ['cut', 'good'] }, routing: { max_attempts: 1 } });
    const before = calls('echo').length;
    await assert.rejects(read(late.resolve('main').stream(hi)), /stream ended without its \[DONE\] terminator/);
    assert.equal(calls('echo').length, before, 'no failover once text had been sent');
  });

  it('orders targets by weight and by measured latency', async () => {
    const weighted = registry({ a: 'echo', b: 'echo' }, { aliases: { w: { strategy: 'weighted', targets: [{ model: 'a', weight: 1 }, { model: 'b', weight: 3 }] } } });
    const alias = weighted.resolve('w') as AliasProvider;
    let bFirst = 0;
    for (let i = 0; i < 400; i += 1) if (alias.order()[0]?.provider === weighted.resolve('b')) bFirst += 1;
    assert.ok(bFirst > 250 && bFirst < 350, `b first ${bFirst} of 400 times (weight 3 of 4)`);

    const fastest = registry({ slowish: 'flaky-latency', quick: 'echo' }, { aliases: { l: { strategy: 'least-latency', targets: ['slowish', 'quick'] } }, routing: { backoff_initial_ms: 50, backoff_max_ms: 50 } });
    const least = fastest.resolve('l') as AliasProvider;
    await fastest.resolve('slowish').chat(hi); // two retries make it slow
    await fastest.resolve('quick').chat(hi);
    assert.equal(least.order()[0]?.provider, fastest.resolve('quick'));
  });

  it('refuses aliases that name unknown or nested targets, naming the field', () => {
    assert.throws(() => registry({ a: 'echo' }, { aliases: { main: ['a', 'nope'] } }), (e: unknown) => e instanceof ConfigError && /aliases\.main\.1: unknown provider "nope"/.test(e.message));
    assert.throws(() => registry({ a: 'echo' }, { aliases: { x: ['a'], y: { targets: ['x'] } } }), /aliases\.y\.targets\.0: "x" is an alias/);
    assert.throws(() => registry({ a: 'echo' }, { aliases: { a: ['a'] } }), /aliases\.a: an alias cannot share its name with a provider/);
  });
});
