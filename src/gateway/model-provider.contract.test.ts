import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAi, type FakeUpstream } from '../../test/support/fake-openai-upstream.js';
import { scriptedModel } from '../../test/support/scripted.js';
import type { ModelProvider, StreamPart } from './model-provider.js';
import { OpenAiCompatibleProvider } from './providers/openai-compatible/openai-compatible-provider.js';
import { ScriptedProvider } from './providers/scripted/scripted-provider.js';

const REPLY = 'Hello from the fake upstream.';

/** Every ModelProvider, each against its own upstream, held to one contract. */
const implementations: Array<{ name: string; make(upstream: FakeUpstream): ModelProvider }> = [
  { name: 'openai-compatible', make: (upstream) => new OpenAiCompatibleProvider({ baseUrl: upstream.url, model: 'echo' }) },
  {
    name: 'scripted',
    make: () => ScriptedProvider.load(scriptedModel({ replies: { default: [REPLY] } }).slice('scripted:'.length)),
  },
];

let upstream: FakeUpstream;
before(async () => {
  upstream = await startFakeOpenAi();
});
after(() => upstream.close());

for (const implementation of implementations) {
  describe(`ModelProvider contract: ${implementation.name}`, () => {
    it('answers a chat with content, a finish reason and usage', async () => {
      const provider = implementation.make(upstream);
      const result = await provider.chat({ messages: [{ role: 'user', content: 'Say hello' }] });
      assert.equal(result.content, REPLY);
      assert.equal(result.finishReason, 'stop');
      assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0);
      assert.deepEqual(result.toolCalls, []);
    });

    it('streams deltas that add up to the reply, then exactly one finish part', async () => {
      const provider = implementation.make(upstream);
      const parts: StreamPart[] = [];
      for await (const part of provider.stream({ messages: [{ role: 'user', content: 'Say hello' }] })) parts.push(part);
      const text = parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');
      assert.equal(text, REPLY);
      assert.ok(parts.filter((p) => p.type === 'text-delta').length > 1, 'more than one delta');
      assert.equal(parts.filter((p) => p.type === 'finish').length, 1);
      const last = parts.at(-1);
      assert.ok(last?.type === 'finish' && last.usage.outputTokens > 0);
    });

    it('rejects promptly when the caller aborts', async () => {
      const provider = implementation.make(upstream);
      const controller = new AbortController();
      controller.abort(new Error('stop now'));
      await assert.rejects(provider.chat({ messages: [{ role: 'user', content: 'hi' }] }, { signal: controller.signal }));
    });

    it('embeds each input to one vector of one dimension, the same text to the same vector', async () => {
      const provider = implementation.make(upstream);
      const result = await provider.embed({ input: ['alpha', 'beta', 'alpha'] });
      assert.equal(result.embeddings.length, 3);
      const dims = new Set(result.embeddings.map((v) => v.length));
      assert.equal(dims.size, 1);
      assert.ok([...dims][0]! > 0);
      assert.deepEqual(result.embeddings[0], result.embeddings[2]);
      assert.notDeepEqual(result.embeddings[0], result.embeddings[1]);
    });

    it('labels itself honestly', () => {
      const provider = implementation.make(upstream);
      assert.equal(provider.scripted, implementation.name === 'scripted');
      if (provider.scripted) assert.match(provider.label, /scripted, not from a real model/);
    });
  });
}

describe('openai-compatible against the wire protocol', () => {
  const make = (model: string, extra: Partial<ConstructorParameters<typeof OpenAiCompatibleProvider>[0]> = {}) =>
    new OpenAiCompatibleProvider({ baseUrl: upstream.url, model, ...extra });

  it('sends the OpenAI request shape with the key as a bearer token', async () => {
    await make('echo', { apiKey: 'sk-test' }).chat({
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }],
      temperature: 0,
      maxTokens: 50,
      responseFormat: 'json',
      metadata: { role: 'planner', turn: 1 },
    });
    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.authorization, 'Bearer sk-test');
    assert.deepEqual(sent.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);
    assert.equal(sent.temperature, 0);
    assert.equal(sent.max_tokens, 50);
    assert.deepEqual(sent.response_format, { type: 'json_object' });
    assert.equal('metadata' in sent, false, 'metadata never goes upstream');
  });

  it('reads tool calls, whole and assembled from streamed deltas', async () => {
    const tools = [{ name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const whole = await make('tools').chat({ messages: [{ role: 'user', content: 'weather?' }], tools, toolChoice: 'auto' });
    assert.deepEqual(whole.toolCalls, [{ id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
    assert.equal(whole.finishReason, 'tool-calls');
    assert.deepEqual((upstream.requests.at(-1)!.tools as unknown[])[0], { type: 'function', function: tools[0] });

    const parts: StreamPart[] = [];
    for await (const part of make('tools').stream({ messages: [{ role: 'user', content: 'weather?' }], tools })) parts.push(part);
    assert.deepEqual(parts.filter((p) => p.type === 'tool-call'), [{ type: 'tool-call', toolCall: { id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    const finish = parts.at(-1);
    assert.ok(finish?.type === 'finish' && finish.finishReason === 'tool-calls' && finish.usage.inputTokens === 11);
    assert.deepEqual(upstream.requests.at(-1)!.stream_options, { include_usage: true });
  });

  it('classifies 429 and 500 as retryable errors naming the upstream', async () => {
    await assert.rejects(make('rate-limited').chat({ messages: [{ role: 'user', content: 'hi' }] }), (error: Error & { code?: string; isRetryable?: boolean }) => {
      assert.equal(error.code, 'provider_rate_limited');
      assert.equal(error.isRetryable, true);
      assert.match(error.message, new RegExp(`at ${upstream.url}/chat/completions: HTTP 429: Rate limit reached`));
      return true;
    });
    await assert.rejects(make('broken').chat({ messages: [{ role: 'user', content: 'hi' }] }), (error: Error & { code?: string; isRetryable?: boolean }) => {
      assert.equal(error.code, 'provider_http_error');
      assert.equal(error.isRetryable, true);
      assert.match(error.message, /HTTP 500: The server had an error/);
      return true;
    });
  });

  it('orders embeddings by index and names the embeddings URL in errors', async () => {
    const result = await make('embed-model').embed({ input: ['a', 'bbb'] });
    assert.deepEqual(result.embeddings, [[1, 97, 0.5], [3, 98, 0.5]]);
    assert.deepEqual(upstream.requests.at(-1)?.input, ['a', 'bbb']);
    await assert.rejects(make('broken').embed({ input: ['a'] }), new RegExp(`${upstream.url}/embeddings: HTTP 500: embedding backend down`));
  });

  it('rejects a garbage body and a stream without its terminator', async () => {
    await assert.rejects(make('garbage').chat({ messages: [{ role: 'user', content: 'hi' }] }), /answered with invalid JSON: "<html>502 Bad Gateway<\/html>"/);
    await assert.rejects(async () => {
      for await (const _ of make('truncated').stream({ messages: [{ role: 'user', content: 'hi' }] })) void _;
    }, /stream ended without its \[DONE\] terminator/);
  });

  it('times out a silent upstream within the configured limit', async () => {
    const started = Date.now();
    await assert.rejects(make('slow', { timeoutMs: 200 }).chat({ messages: [{ role: 'user', content: 'hi' }] }), /no answer within 200 ms/);
    assert.ok(Date.now() - started < 2_000);
  });
});
