import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startFakeAnthropic } from './support/fake-anthropic-upstream.js';
import { FINGERPRINT, startFakeOpenAi, type FakeUpstream } from './support/fake-openai-upstream.js';
import { gatewayUnderTest, type Transport } from './support/gateway-under-test.js';

/**
 * The gateway faithful to OpenAI's API, as the official client sees it: the fields umca does
 * not act on arrive at the upstream unchanged, the reply keeps its system_fingerprint, every
 * answer carries an x-request-id, and an upstream's 400 reaches the caller as that 400 after
 * exactly one upstream call — through the Hono app and through `umca serve`'s hot path.
 */
let upstream: FakeUpstream;
let anthropic: FakeUpstream;
let gateway: Awaited<ReturnType<typeof gatewayUnderTest>>;

before(async () => {
  upstream = await startFakeOpenAi();
  anthropic = await startFakeAnthropic();
  // The shipped routing (retries included): a refusal must still cost one upstream call.
  gateway = await gatewayUnderTest({ providers: { fake: { type: 'openai-compatible', base_url: upstream.url, model: 'echo' }, claude: { type: 'anthropic', base_url: anthropic.url, model: 'echo', api_key: 'sk-ant' } } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
  await anthropic.close();
});

const PASSED: Pick<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, 'top_p' | 'stop' | 'seed' | 'presence_penalty' | 'frequency_penalty' | 'logit_bias' | 'logprobs' | 'top_logprobs' | 'user' | 'parallel_tool_calls'> = {
  top_p: 0.5,
  stop: ['END', '###'],
  seed: 42,
  presence_penalty: 0.25,
  frequency_penalty: -0.5,
  logit_bias: { '50256': -100 },
  logprobs: true,
  top_logprobs: 2,
  user: 'user-1234',
  parallel_tool_calls: false,
};
const TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }, strict: true },
};

for (const name of ['in-process app', 'umca serve over HTTP']) {
  describe(`the gateway passes OpenAI's fields through (${name})`, () => {
    let client: OpenAI;
    let transport: Transport;
    before(() => {
      transport = gateway.transports.find((t) => t.name === name)!;
      client = new OpenAI({ baseURL: `${transport.base}/v1`, apiKey: 'sk-local', fetch: async (url, init) => transport.fetch(String(url), init) });
    });

    it('every field umca does not act on arrives at the upstream unchanged, strict tools included', async () => {
      const reply = await client.chat.completions.create({ model: 'fake/echo', messages: [{ role: 'user', content: 'hi' }], tools: [TOOL], ...PASSED });
      const received = upstream.requests.at(-1)!;
      for (const [field, value] of Object.entries(PASSED)) assert.deepEqual(received[field], value, field);
      assert.deepEqual((received.tools as Array<{ function: { strict?: boolean } }>)[0]!.function.strict, true);
      assert.equal(reply.system_fingerprint, FINGERPRINT, 'the reply keeps system_fingerprint');
    });

    it('a streamed reply keeps its system_fingerprint too, and the fields still pass', async () => {
      const stream = await client.chat.completions.create({ model: 'fake/echo', messages: [{ role: 'user', content: 'hi' }], stream: true, seed: 7, stop: 'END' });
      const fingerprints = new Set<string | undefined>();
      for await (const chunk of stream) fingerprints.add(chunk.system_fingerprint ?? undefined);
      assert.ok(fingerprints.has(FINGERPRINT), [...fingerprints].join(', '));
      assert.deepEqual([upstream.requests.at(-1)!.seed, upstream.requests.at(-1)!.stop], [7, 'END']);
    });

    it("an upstream's 400 reaches the caller as that 400, with its code, message and param, after exactly one upstream call", async () => {
      const before = upstream.requests.filter((r) => r.model === 'invalid').length;
      const error = (await client.chat.completions.create({ model: 'fake/invalid', messages: [{ role: 'user', content: 'hi' }], top_p: 0.5 }).then(() => undefined, (e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.status, 400);
      assert.equal(error.code, 'invalid_value');
      assert.equal(error.param, 'top_p');
      assert.match(error.message, /Invalid value for 'top_p': expected a number between 0 and 1\./);
      assert.equal(upstream.requests.filter((r) => r.model === 'invalid').length - before, 1, 'one upstream call: not retried by umca, not by the client');
    });

    it('retrieves one model by id, a provider/model reference included; an unknown one is 404 model_not_found', async () => {
      const listed = await client.models.retrieve('fake');
      assert.deepEqual([listed.id, listed.object, listed.owned_by], ['fake', 'model', 'openai-compatible']);
      const referenced = await client.models.retrieve('fake/echo');
      assert.deepEqual([referenced.id, referenced.owned_by], ['fake/echo', 'openai-compatible']);
      const missing = (await client.models.retrieve('no-such-model').then(() => undefined, (e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      assert.deepEqual([missing.status, missing.code], [404, 'model_not_found']);
    });

    it('a provider without an equivalent maps what it can and names what it drops (x-umca-ignored-params)', async () => {
      const { data, response } = await client.chat.completions
        .create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], top_p: 0.5, stop: ['END'], user: 'user-1234', seed: 42, logit_bias: { '1': 2 } })
        .withResponse();
      assert.ok(data.choices[0]!.message.content);
      const received = anthropic.requests.at(-1)!;
      assert.deepEqual([received.top_p, received.stop_sequences, received.metadata], [0.5, ['END'], { user_id: 'user-1234' }]);
      assert.equal(received.seed, undefined);
      assert.equal(response.headers.get('x-umca-ignored-params'), 'logit_bias, seed');
      const plain = await client.chat.completions.create({ model: 'fake/echo', messages: [{ role: 'user', content: 'hi' }], seed: 1 }).withResponse();
      assert.equal(plain.response.headers.get('x-umca-ignored-params'), null, 'an OpenAI-compatible upstream takes them all');
    });

    it('every answer carries an x-request-id: the caller\'s when it sent one, a new one otherwise, errors included', async () => {
      const send = (headers: Record<string, string>, body: unknown) =>
        transport.fetch(`${transport.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-local', ...headers }, body: JSON.stringify(body) });
      const given = await send({ 'x-request-id': 'req-from-caller-1' }, { model: 'fake/echo', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(given.status, 200);
      assert.equal(given.headers.get('x-request-id'), 'req-from-caller-1');
      const made = await send({}, { model: 'fake/echo', messages: [{ role: 'user', content: 'hi' }] });
      assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      const refused = await send({ 'x-request-id': 'bad id with spaces' }, { model: 'fake/echo', messages: [] });
      assert.equal(refused.status, 400);
      assert.match(refused.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, 'an unusable id is replaced, and the error carries one');
      const models = await transport.fetch(`${transport.base}/v1/models`, { headers: { authorization: 'Bearer sk-local', 'x-request-id': 'req-2' } });
      assert.equal(models.headers.get('x-request-id'), 'req-2');
    });
  });
}
