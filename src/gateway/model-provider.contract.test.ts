import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeAnthropic } from '../../test/support/fake-anthropic-upstream.js';
import { startFakeOpenAi, type FakeUpstream } from '../../test/support/fake-openai-upstream.js';
import { scriptedModel, TEST_FIXTURES_DIR } from '../../test/support/scripted.js';
import { FixtureCatalog } from './providers/scripted/fixture-catalog.js';
import { writeTinyGguf } from '../../test/support/tiny-gguf.js';
import type { ModelProvider, StreamPart } from './model-provider.js';
import { AnthropicProvider } from './providers/anthropic/anthropic-provider.js';
import { LlamaCppProvider } from './providers/llama-cpp/llama-cpp-provider.js';
import { OpenAiCompatibleProvider } from './providers/openai-compatible/openai-compatible-provider.js';
import { ScriptedProvider } from './providers/scripted/scripted-provider.js';

const REPLY = 'Hello from the fake upstream.';

interface Implementation {
  name: string;
  /** Starts what the provider talks to: a fake upstream, or a model file. */
  start(): Promise<FakeUpstream | undefined>;
  make(upstream: FakeUpstream | undefined): ModelProvider;
  embeds: boolean;
  /** The reply its upstream gives; undefined for a real (tiny, random) model, whose text is its own. */
  reply: string | undefined;
}

let tiny: LlamaCppProvider | undefined;

/** Every ModelProvider, each against a fake of its own upstream's protocol (or a real model file), held to one contract. */
const implementations: Implementation[] = [
  { name: 'openai-compatible', start: startFakeOpenAi, make: (upstream) => new OpenAiCompatibleProvider({ baseUrl: upstream!.url, model: 'echo' }), embeds: true, reply: REPLY },
  { name: 'anthropic', start: startFakeAnthropic, make: (upstream) => new AnthropicProvider({ baseUrl: upstream!.url, model: 'echo', apiKey: 'sk-ant-test' }), embeds: false, reply: REPLY },
  {
    name: 'llama-cpp (a tiny GGUF the test writes, run by llama.cpp)',
    start: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'umca-gguf-'));
      writeTinyGguf(join(dir, 'tiny.gguf'));
      // One loaded model for the whole suite: loading is the slow part.
      tiny = new LlamaCppProvider({ name: 'tiny', model: join(dir, 'tiny.gguf'), modelsDir: join(dir, 'models'), gpu: false, maxTokens: 12 });
      return undefined;
    },
    make: () => tiny!,
    embeds: true,
    reply: undefined,
  },
  {
    name: 'scripted',
    start: async () => undefined,
    make: () => {
      const name = scriptedModel({ replies: { default: [REPLY] } }).slice('scripted:'.length);
      const fixtures = new FixtureCatalog({ dir: TEST_FIXTURES_DIR });
      return new ScriptedProvider(name, () => fixtures.load(name));
    },
    embeds: true,
    reply: REPLY,
  },
];

let upstream: FakeUpstream;
before(async () => {
  upstream = await startFakeOpenAi();
});
after(() => upstream.close());

for (const implementation of implementations) {
  describe(`ModelProvider contract: ${implementation.name}`, () => {
    let own: FakeUpstream | undefined;
    before(async () => {
      own = await implementation.start();
    });
    after(() => own?.close());
    const make = () => implementation.make(own);

    it('answers a chat with content, a finish reason and usage', async () => {
      const provider = make();
      const result = await provider.chat({ messages: [{ role: 'user', content: 'Say hello' }], temperature: 0 });
      if (implementation.reply === undefined) {
        assert.ok(result.content.length > 0);
        assert.ok(['stop', 'length'].includes(result.finishReason), result.finishReason);
      } else {
        assert.equal(result.content, implementation.reply);
        assert.equal(result.finishReason, 'stop');
      }
      assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0);
      assert.deepEqual(result.toolCalls, []);
    });

    it('streams deltas that add up to the reply, then exactly one finish part', async () => {
      const provider = make();
      const request = { messages: [{ role: 'user' as const, content: 'Say hello' }], temperature: 0 };
      const whole = await provider.chat(request);
      const parts: StreamPart[] = [];
      for await (const part of provider.stream(request)) parts.push(part);
      const text = parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');
      assert.equal(text, implementation.reply ?? whole.content);
      assert.ok(parts.filter((p) => p.type === 'text-delta').length > 1, 'more than one delta');
      assert.equal(parts.filter((p) => p.type === 'finish').length, 1);
      const last = parts.at(-1);
      assert.ok(last?.type === 'finish' && last.usage.outputTokens > 0);
    });

    it('rejects promptly when the caller aborts', async () => {
      const provider = make();
      const controller = new AbortController();
      controller.abort(new Error('stop now'));
      await assert.rejects(provider.chat({ messages: [{ role: 'user', content: 'hi' }] }, { signal: controller.signal }));
    });

    it('embeds each input to one vector of one dimension, the same text to the same vector (or says it has no embeddings)', async () => {
      const provider = make();
      if (!implementation.embeds) {
        await assert.rejects(provider.embed({ input: ['alpha'] }), (error: Error & { code?: string; status?: number }) => {
          assert.deepEqual([error.code, error.status], ['embeddings_unsupported', 400]);
          return true;
        });
        return;
      }
      const result = await provider.embed({ input: ['alpha', 'beta', 'alpha'] });
      assert.equal(result.embeddings.length, 3);
      const dims = new Set(result.embeddings.map((v) => v.length));
      assert.equal(dims.size, 1);
      assert.ok([...dims][0]! > 0);
      assert.deepEqual(result.embeddings[0], result.embeddings[2]);
      assert.notDeepEqual(result.embeddings[0], result.embeddings[1]);
    });

    it('labels itself honestly', () => {
      const provider = make();
      assert.equal(provider.scripted, implementation.name === 'scripted');
      assert.ok(provider.label.length > 0 && provider.model.length > 0);
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

describe('anthropic against the wire protocol', () => {
  let anthropic: FakeUpstream;
  before(async () => {
    anthropic = await startFakeAnthropic();
  });
  after(() => anthropic.close());
  const make = (model: string, extra: Partial<ConstructorParameters<typeof AnthropicProvider>[0]> = {}) =>
    new AnthropicProvider({ baseUrl: anthropic.url, model, apiKey: 'sk-ant-test', ...extra });
  const tools = [{ name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];

  it('sends the Messages shape: system apart, the key and version as headers, max_tokens always', async () => {
    await make('echo', { maxTokens: 321 }).chat({
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }],
      temperature: 0.2,
      responseFormat: 'json',
      metadata: { role: 'planner', turn: 1 },
    });
    const sent = anthropic.requests.at(-1)!;
    assert.deepEqual([sent.apiKey, sent.version], ['sk-ant-test', '2023-06-01']);
    assert.equal(sent.system, 'be brief\n\nReply with one JSON object and nothing else.');
    assert.deepEqual(sent.messages, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    assert.deepEqual([sent.max_tokens, sent.temperature], [321, 0.2]);
    assert.equal('metadata' in sent, false, 'metadata never goes upstream');
    await make('echo').chat({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 10 });
    assert.equal(anthropic.requests.at(-1)!.max_tokens, 10);
  });

  it('translates tools and tool choice out, and tool_use blocks back, whole and streamed', async () => {
    const whole = await make('tools').chat({ messages: [{ role: 'user', content: 'weather?' }], tools, toolChoice: 'required' });
    assert.deepEqual(anthropic.requests.at(-1)!.tools, [{ name: 'get_weather', description: 'weather', input_schema: tools[0]!.parameters }]);
    assert.deepEqual(anthropic.requests.at(-1)!.tool_choice, { type: 'any' });
    assert.equal(whole.content, 'Let me check.');
    assert.deepEqual(whole.toolCalls, [{ id: 'toolu_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
    assert.equal(whole.finishReason, 'tool-calls');

    const parts: StreamPart[] = [];
    for await (const part of make('tools').stream({ messages: [{ role: 'user', content: 'weather?' }], tools, toolChoice: { name: 'get_weather' } })) parts.push(part);
    assert.deepEqual(anthropic.requests.at(-1)!.tool_choice, { type: 'tool', name: 'get_weather' });
    assert.deepEqual(parts, [
      { type: 'text-delta', text: 'Let me check.' },
      { type: 'tool-call', toolCall: { id: 'toolu_abc', name: 'get_weather', arguments: '{"city": "Paris"}' } },
      { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 11, outputTokens: 7 }, model: 'tools' },
    ]);
  });

  it('sends a conversation with tool calls and results in the form the API accepts', async () => {
    const result = await make('echo').chat({
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'weather in Paris and Rome?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: 't2', name: 'get_weather', arguments: '{"city":"Rome"}' }] },
        { role: 'tool', toolCallId: 't1', content: '21 °C' },
        { role: 'tool', toolCallId: 't2', content: '25 °C' },
      ],
    });
    assert.equal(result.content, REPLY, 'the fake refuses what the real API refuses');
    assert.deepEqual((anthropic.requests.at(-1)!.messages as unknown[]).slice(1), [
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } }, { type: 'tool_use', id: 't2', name: 'get_weather', input: { city: 'Rome' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: '21 °C' }, { type: 'tool_result', tool_use_id: 't2', content: '25 °C' }] },
    ]);
  });

  it('classifies 429, 529 and 500 as retryable, honouring retry-after, and names the upstream', async () => {
    await assert.rejects(make('rate-limited').chat({ messages: [{ role: 'user', content: 'hi' }] }), (error: Error & { code?: string; isRetryable?: boolean; retryAfterMs?: number }) => {
      assert.deepEqual([error.code, error.isRetryable, error.retryAfterMs], ['provider_rate_limited', true, 2_000]);
      assert.match(error.message, new RegExp(`at ${anthropic.url}/v1/messages: HTTP 429: rate_limit_error: Number of request tokens`));
      return true;
    });
    await assert.rejects(make('overloaded').chat({ messages: [{ role: 'user', content: 'hi' }] }), (error: Error & { isRetryable?: boolean }) => error.isRetryable === true && /HTTP 529: overloaded_error/.test(error.message));
    await assert.rejects(make('broken').chat({ messages: [{ role: 'user', content: 'hi' }] }), /HTTP 500: api_error: Internal server error/);
  });

  it('rejects garbage, a stream without message_stop, and an error event mid-stream', async () => {
    await assert.rejects(make('garbage').chat({ messages: [{ role: 'user', content: 'hi' }] }), /answered with invalid JSON/);
    const drain = async (model: string) => {
      for await (const _ of make(model).stream({ messages: [{ role: 'user', content: 'hi' }] })) void _;
    };
    await assert.rejects(drain('truncated'), /stream ended without its message_stop event/);
    await assert.rejects(drain('overloaded-mid-stream'), (error: Error & { isRetryable?: boolean }) => error.isRetryable === true && /stream error: overloaded_error/.test(error.message));
  });

  it('times out a silent upstream within the configured limit', async () => {
    await assert.rejects(make('slow', { timeoutMs: 200 }).chat({ messages: [{ role: 'user', content: 'hi' }] }), /no answer within 200 ms/);
  });
});
