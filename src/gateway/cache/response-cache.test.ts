import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatResult } from '../model-provider.js';
import { ResponseCache } from './response-cache.js';

const result = (content: string, finishReason: ChatResult['finishReason'] = 'stop'): ChatResult => ({ content, toolCalls: [], finishReason, usage: { inputTokens: 1, outputTokens: 1 }, model: 'm' });

describe('ResponseCache', () => {
  it('keys on what shapes the reply, not on key order or caller metadata', () => {
    const cache = new ResponseCache({ ttlMs: 60_000, maxEntries: 10, maxBytes: 1_000_000 });
    const a = cache.key('local', { messages: [{ role: 'user', content: 'hi' }], temperature: 0, metadata: { run_id: 'r1' } });
    const b = cache.key('local', { temperature: 0, messages: [{ content: 'hi', role: 'user' }], metadata: { run_id: 'r2' } });
    assert.equal(a, b);
    assert.notEqual(a, cache.key('local', { messages: [{ role: 'user', content: 'hi' }], temperature: 1 }));
    assert.notEqual(a, cache.key('other', { messages: [{ role: 'user', content: 'hi' }], temperature: 0 }));
  });

  it('evicts the least recently used entry and does not keep cut-off replies', () => {
    const cache = new ResponseCache({ ttlMs: 60_000, maxEntries: 2, maxBytes: 1_000_000 });
    cache.set('a', result('A'));
    cache.set('b', result('B'));
    cache.get('a');
    cache.set('c', result('C'));
    assert.deepEqual([cache.get('a')?.content, cache.get('b'), cache.get('c')?.content], ['A', undefined, 'C']);
    cache.set('d', result('cut', 'length'));
    assert.equal(cache.get('d'), undefined);
  });

  it('holds no more bytes than allowed', () => {
    const cache = new ResponseCache({ ttlMs: 60_000, maxEntries: 100, maxBytes: 600 });
    for (let i = 0; i < 10; i += 1) cache.set(`k${i}`, result('x'.repeat(100)));
    assert.ok(cache.size <= 3, `${cache.size} entries of ~200 bytes in 600`);
  });
});
