import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { createHttpServer } from '../src/server/http-server.js';
import type { Umca } from '../src/umca.js';
import { startFakeOpenAi, type FakeUpstream } from './support/fake-openai-upstream.js';
import { testUmca } from './support/umca.js';

/**
 * The Responses API (`POST /v1/responses`) over umca's providers, as the clients that default
 * to it drive it: the official openai client and the Vercel AI SDK's `@ai-sdk/openai` (whose
 * default model is a Responses model; `.chat()` takes chat completions) — plain, streamed, with
 * function tools — against a chat-completions upstream.
 */
let upstream: FakeUpstream;
let umca: Umca;
let server: Server;
let base: string;

before(async () => {
  upstream = await startFakeOpenAi();
  umca = await testUmca({ providers: { fake: { type: 'openai-compatible', base_url: upstream.url, model: 'echo' } } });
  server = createHttpServer(umca, { log: () => undefined });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await umca.close();
  await upstream.close();
});

describe('the Responses API', () => {
  it('the official client: a reply, its usage, the instructions and input as the upstream got them', async () => {
    const client = new OpenAI({ baseURL: base, apiKey: 'sk-local' });
    const response = await client.responses.create({ model: 'fake/echo', instructions: 'be brief', input: 'hi', max_output_tokens: 64, top_p: 0.5 });
    assert.equal(response.output_text, 'Hello from the fake upstream.');
    assert.equal(response.status, 'completed');
    assert.deepEqual([response.usage?.input_tokens, response.usage?.output_tokens], [11, 7]);
    const received = upstream.requests.at(-1)!;
    assert.deepEqual(received.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);
    assert.deepEqual([received.max_tokens, received.top_p], [64, 0.5]);
  });

  it('the official client, streamed: text deltas, then response.completed', async () => {
    const client = new OpenAI({ baseURL: base, apiKey: 'sk-local' });
    const stream = await client.responses.create({ model: 'fake/echo', input: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    assert.equal(text, 'Hello from the fake upstream.');
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
  });

  it('@ai-sdk/openai: its default (Responses) model and .chat(), plain and streamed', async () => {
    const provider = createOpenAI({ baseURL: base, apiKey: 'sk-local' });
    const plain = await generateText({ model: provider('fake/echo'), prompt: 'hi' });
    assert.equal(plain.text, 'Hello from the fake upstream.');
    assert.equal(plain.usage.inputTokens, 11);
    const chat = await generateText({ model: provider.chat('fake/echo'), prompt: 'hi' });
    assert.equal(chat.text, 'Hello from the fake upstream.');
    const streamed = streamText({ model: provider('fake/echo'), prompt: 'hi' });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    assert.equal(text, 'Hello from the fake upstream.');
  });

  it('@ai-sdk/openai with a function tool: the call comes back as the upstream made it', async () => {
    const provider = createOpenAI({ baseURL: base, apiKey: 'sk-local' });
    const result = await generateText({
      model: provider('fake/tools'),
      prompt: 'weather in Paris?',
      tools: { get_weather: tool({ description: 'weather', inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }) }) },
    });
    assert.deepEqual(result.toolCalls.map((c) => [c.toolName, c.input]), [['get_weather', { city: 'Paris' }]]);
    const sent = upstream.requests.at(-1)!.tools as Array<{ function: { name: string } }>;
    assert.equal(sent[0]!.function.name, 'get_weather');
  });

  it('refuses what it does not serve, by name: stored conversations, built-in tools, images', async () => {
    const client = new OpenAI({ baseURL: base, apiKey: 'sk-local', maxRetries: 0 });
    const refusal = async (body: Record<string, unknown>) => (await client.responses.create(body as never).then(() => undefined, (e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    const previous = await refusal({ model: 'fake/echo', input: 'hi', previous_response_id: 'resp_1' });
    assert.deepEqual([previous.status, previous.code, previous.param], [400, 'unsupported_parameter', 'previous_response_id']);
    const search = await refusal({ model: 'fake/echo', input: 'hi', tools: [{ type: 'web_search' }] });
    assert.match(search.message, /a tool of type "web_search" is not supported/);
    const image = await refusal({ model: 'fake/echo', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] });
    assert.match(image.message, /input\.0\.content\.0: content of type "input_image" is not supported/);
  });
});
