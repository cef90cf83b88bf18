import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Umca } from '../src/umca.js';
import { createApp } from '../src/server/app.js';
import { createHttpServer } from '../src/server/http-server.js';
import { startFakeAnthropic } from './support/fake-anthropic-upstream.js';
import { writeTinyGguf } from './support/tiny-gguf.js';
import { startFakeOpenAi, type FakeUpstream } from './support/fake-openai-upstream.js';
import { testUmca } from './support/umca.js';

let upstream: FakeUpstream;
let anthropic: FakeUpstream;
let umca: Umca;
let app: ReturnType<typeof createApp>;
let server: Server;
const REPLY = 'Hello from the fake upstream.';
const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
];

before(async () => {
  upstream = await startFakeOpenAi();
  anthropic = await startFakeAnthropic();
  const gguf = join(mkdtempSync(join(tmpdir(), 'umca-gguf-')), 'tiny.gguf');
  writeTinyGguf(gguf);
  // One attempt per call and a lenient breaker: these tests are about the API surface; routing has its own.
  umca = await testUmca({ providers: { fake: { type: 'openai-compatible', base_url: upstream.url, model: 'echo' }, claude: { type: 'anthropic', base_url: anthropic.url, model: 'echo', api_key: 'sk-ant' }, tiny: { type: 'llama-cpp', model: gguf, gpu: false, max_tokens: 8 } }, routing: { max_attempts: 1, breaker_failures: 100 }, limits: { request_body_bytes: 64_000 } });
  app = createApp(umca, { log: () => undefined });
  server = createHttpServer(umca, { log: () => undefined });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await umca.close();
  await upstream.close();
  await anthropic.close();
});

/** The same API two ways: the Hono app in-process, and the server `umca serve` listens with (its node:http hot path). */
const transports: Array<{ name: string; fetch: () => (url: string, init?: RequestInit) => Promise<Response>; base: () => string }> = [
  { name: 'in-process app', fetch: () => async (url, init) => app.request(url.replace('http://umca.test', ''), init), base: () => 'http://umca.test' },
  { name: 'umca serve over HTTP', fetch: () => (url, init) => fetch(url, init), base: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
];

for (const transport of transports) {
  describe(`OpenAI-compatible API through the official openai client (${transport.name})`, () => {
    let client: OpenAI;
    const send = (path: string, init: RequestInit) => transport.fetch()(`${transport.base()}${path}`, init);
    before(() => {
      // The official client, unchanged, pointed at umca.
      client = new OpenAI({ baseURL: `${transport.base()}/v1`, apiKey: 'sk-local', maxRetries: 0, fetch: async (url, init) => transport.fetch()(String(url), init) });
    });

    it('lists models', async () => {
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      assert.ok(['fake', 'claude', 'tiny', 'scripted:demo'].every((id) => ids.includes(id)), ids.join(', '));
    });

    it('answers a plain chat', async () => {
      const completion = await client.chat.completions.create({ model: 'fake', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], temperature: 0 });
      assert.equal(completion.object, 'chat.completion');
      assert.match(completion.id, /^chatcmpl-/);
      assert.equal(completion.choices[0]?.message.content, REPLY);
      assert.equal(completion.choices[0]?.finish_reason, 'stop');
      assert.deepEqual(completion.usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
      assert.deepEqual(upstream.requests.at(-1)?.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);
    });

    it('streams a chat, with usage when asked', async () => {
      const stream = await client.chat.completions.create({ model: 'fake', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
      let text = '';
      let finish: string | null | undefined;
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      assert.equal(text, REPLY);
      assert.equal(finish, 'stop');
      assert.deepEqual(usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    });

    it('passes tools through and returns tool calls, whole and streamed', async () => {
      const whole = await client.chat.completions.create({ model: 'fake/tools', messages: [{ role: 'user', content: 'weather in Paris?' }], tools, tool_choice: 'auto' });
      assert.equal(whole.choices[0]?.finish_reason, 'tool_calls');
      assert.deepEqual(whole.choices[0]?.message.tool_calls, [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
      assert.deepEqual((upstream.requests.at(-1)?.tools as unknown[])[0], tools[0]);

      const stream = client.chat.completions.stream({ model: 'fake/tools', messages: [{ role: 'user', content: 'weather in Paris?' }], tools });
      const final = await stream.finalChatCompletion();
      assert.deepEqual(final.choices[0]?.message.tool_calls?.map((c) => [c.id, c.type === 'function' && c.function.name, c.type === 'function' && c.function.arguments]), [['call_abc', 'get_weather', '{"city":"Paris"}']]);
    });

    it('sends a tool result back upstream in OpenAI form', async () => {
      await client.chat.completions.create({
        model: 'fake',
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'call_abc', content: '21 °C' },
        ],
        response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: { type: 'object' }, strict: true } },
      });
      const sent = upstream.requests.at(-1)!;
      assert.deepEqual((sent.messages as unknown[]).slice(1), [
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', content: '21 °C', tool_call_id: 'call_abc' },
      ]);
      assert.deepEqual(sent.response_format, { type: 'json_schema', json_schema: { name: 'weather', schema: { type: 'object' }, strict: true } });
    });

    it('serves an Anthropic upstream in OpenAI form: plain, streamed and with tools', async () => {
      const plain = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] });
      assert.deepEqual([plain.choices[0]?.message.content, plain.choices[0]?.finish_reason, plain.usage?.total_tokens], [REPLY, 'stop', 18]);
      assert.equal(anthropic.requests.at(-1)!.system, 'be brief');
      const stream = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, REPLY);
      const final = await client.chat.completions.stream({ model: 'claude/tools', messages: [{ role: 'user', content: 'weather in Paris?' }], tools }).finalChatCompletion();
      const call = final.choices[0]?.message.tool_calls?.[0];
      assert.deepEqual([final.choices[0]?.finish_reason, call?.type === 'function' && call.function.name, call?.type === 'function' && JSON.parse(call.function.arguments)], ['tool_calls', 'get_weather', { city: 'Paris' }]);
    });

    it('serves an embedded GGUF model (llama.cpp in-process), plain and streamed', async () => {
      const plain = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], temperature: 0 });
      assert.ok((plain.choices[0]?.message.content ?? '').length > 0);
      assert.deepEqual([plain.choices[0]?.finish_reason, plain.usage?.completion_tokens], ['length', 8]);
      const stream = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], temperature: 0, stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, plain.choices[0]?.message.content, 'the same reply, streamed');
    });

    it('embeds, in floats and in the base64 form the client asks for by default', async () => {
      const viaClient = await client.embeddings.create({ model: 'fake', input: ['a', 'bbb'] });
      assert.deepEqual(viaClient.data.map((d) => [d.index, Array.from(d.embedding)]), [[0, [1, 97, 0.5]], [1, [3, 98, 0.5]]]);
      assert.deepEqual(viaClient.usage, { prompt_tokens: 6, total_tokens: 6 });
      const floats = await client.embeddings.create({ model: 'scripted:demo', input: 'hello', encoding_format: 'float' });
      assert.equal(floats.data[0]?.embedding.length, 16);
    });

    describe('errors in OpenAI form', () => {
      const statusOf = async (call: Promise<unknown>) => {
        try {
          await call;
        } catch (error) {
          if (error instanceof OpenAI.APIError) return { status: error.status, code: error.code, param: error.param, type: error.type, message: error.message };
          throw error;
        }
        assert.fail('expected an API error');
      };

      it('404 model_not_found for an unknown model', async () => {
        const error = await statusOf(client.chat.completions.create({ model: 'gpt-nothing', messages: [{ role: 'user', content: 'hi' }] }));
        assert.deepEqual([error.status, error.code, error.param, error.type], [404, 'model_not_found', 'model', 'invalid_request_error']);
      });

      it('400 naming the field for a malformed body', async () => {
        const error = await statusOf(client.chat.completions.create({ model: 'fake', messages: [] }));
        assert.deepEqual([error.status, error.param, error.type], [400, 'messages', 'invalid_request_error']);
        const role = await statusOf(client.chat.completions.create({ model: 'fake', messages: [{ role: 'wizard', content: 'x' } as never] }));
        assert.deepEqual([role.status, role.param], [400, 'messages.0.role']);
      });

      it('502 naming the upstream when it fails or answers garbage', async () => {
        const broken = await statusOf(client.chat.completions.create({ model: 'fake/broken', messages: [{ role: 'user', content: 'hi' }] }));
        assert.equal(broken.status, 502);
        assert.match(broken.message, new RegExp(`${upstream.url}/chat/completions: HTTP 500`));
        const garbage = await statusOf(client.chat.completions.create({ model: 'fake/garbage', messages: [{ role: 'user', content: 'hi' }] }));
        assert.deepEqual([garbage.status, garbage.code], [502, 'provider_bad_response']);
        const streamed = await statusOf(client.chat.completions.create({ model: 'fake/broken', messages: [{ role: 'user', content: 'hi' }], stream: true }));
        assert.equal(streamed.status, 502, 'a stream that fails before its first token is an HTTP error');
      });

      it('cuts a stream whose upstream ends without its terminator, so the client sees an error', async () => {
        const stream = await client.chat.completions.create({ model: 'fake/truncated', messages: [{ role: 'user', content: 'hi' }], stream: true });
        await assert.rejects(async () => {
          for await (const _ of stream) void _;
        }, /stream ended without its \[DONE\] terminator/);
      });

      it('413 for a body over the limit, declared or streamed; 400 invalid_json for one that is not JSON', async () => {
        const big = JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] });
        const codeOf = async (response: Response) => [response.status, ((await response.json()) as { error: { code: string } }).error.code];
        const headers = { 'content-type': 'application/json' };
        assert.deepEqual(await codeOf(await send('/v1/chat/completions', { method: 'POST', headers, body: big })), [413, 'payload_too_large']);
        const chunked = new ReadableStream({
          start(controller) {
            for (let i = 0; i < 7; i += 1) controller.enqueue(new TextEncoder().encode(big.slice(i * 10_010, (i + 1) * 10_010)));
            controller.close();
          },
        });
        const streamed = await send('/v1/chat/completions', { method: 'POST', headers, body: chunked, duplex: 'half' } as RequestInit);
        assert.deepEqual(await codeOf(streamed), [413, 'payload_too_large']);
        assert.deepEqual(await codeOf(await send('/v1/chat/completions', { method: 'POST', headers, body: '{"model":' })), [400, 'invalid_json']);
      });

      it('ends the upstream call when the caller hangs up', async () => {
      const controller = new AbortController();
      const pending = client.chat.completions.create({ model: 'fake/slow', messages: [{ role: 'user', content: 'take your time' }] }, { signal: controller.signal });
      while (upstream.requests.at(-1)?.model !== 'slow') await new Promise((r) => setTimeout(r, 10));
      controller.abort();
      await assert.rejects(pending);
      const call = upstream.requests.at(-1)!;
      for (let i = 0; i < 100 && !call.abandoned; i += 1) await new Promise((r) => setTimeout(r, 10));
      assert.equal(call.abandoned, true, 'the upstream saw the call end before its 3 s answer');
    });

    it('refuses non-text content with the message index', async () => {
        const error = await statusOf(
          client.chat.completions.create({ model: 'fake', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }] }),
        );
        assert.deepEqual([error.status, error.code, error.param], [400, 'unsupported_content', 'messages.0.content']);
      });
    });

    it('answers curl-style raw requests with the exact OpenAI shape', async () => {
      const response = await send('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(response.status, 200);
      const body = (await response.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['choices', 'created', 'id', 'model', 'object', 'system_fingerprint', 'usage']);
    });
  });
}
