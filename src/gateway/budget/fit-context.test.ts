import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InvalidRequestError } from '../../core/errors.js';
import { parseConfig } from '../../core/load-config.js';
import { startFakeOpenAi, type FakeUpstream } from '../../../test/support/fake-openai-upstream.js';
import { scriptedModel, TEST_FIXTURES_DIR } from '../../../test/support/scripted.js';
import type { ChatMessage } from '../model-provider.js';
import { ModelRegistry } from '../model-registry.js';
import { fitContext } from './fit-context.js';
import { countPromptTokens } from './token-counter.js';

/** One "token" per word: enough to see what is kept. */
const words = async (messages: readonly ChatMessage[]) => messages.reduce((n, m) => n + m.content.split(' ').length, 0);
const conversation: ChatMessage[] = [
  { role: 'system', content: 'be terse' },
  { role: 'user', content: 'first question here' },
  { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'lookup', arguments: '{}' }] },
  { role: 'tool', content: 'tool result words', toolCallId: 'c1' },
  { role: 'assistant', content: 'first answer' },
  { role: 'user', content: 'second question' },
  { role: 'assistant', content: 'second answer' },
  { role: 'user', content: 'last question' },
];

describe('fitting a conversation into a context window', () => {
  it('drops the oldest turns first, keeping system messages and the last user turn', async () => {
    const fitted = await fitContext(conversation, 8, words);
    assert.deepEqual(fitted?.messages.map((m) => m.content), ['be terse', 'second question', 'second answer', 'last question']);
    assert.deepEqual(fitted?.dropped.map((m) => m.content), ['first question here', '', 'tool result words', 'first answer']);
  });

  it('drops a tool call together with its result', async () => {
    const fitted = (await fitContext(conversation, 14, words))?.messages;
    assert.ok(fitted);
    const ids = new Set(fitted.flatMap((m) => m.toolCalls?.map((c) => c.id) ?? []));
    assert.ok(fitted.filter((m) => m.role === 'tool').every((m) => ids.has(m.toolCallId!)), 'no orphaned tool result');
  });

  it('keeps everything that fits, and gives up when even the essentials do not', async () => {
    assert.equal((await fitContext(conversation, 100, words))?.messages.length, conversation.length);
    assert.equal(await fitContext(conversation, 3, words), undefined);
  });
});

describe('providers with a context window', () => {
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startFakeOpenAi();
  });
  after(() => upstream.close());

  const long = (n: number): ChatMessage[] => [
    { role: 'system', content: 'be terse' },
    ...Array.from({ length: n }, (_, i): ChatMessage => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i} `.repeat(20) })),
    { role: 'user', content: 'the last question' },
  ];
  const models = (truncation: 'drop-oldest' | 'error' | 'summarise', summaryModel?: string) =>
    new ModelRegistry(
      parseConfig({
        providers: {
          small: { type: 'openai-compatible', base_url: upstream.url, model: 'echo', context_tokens: 200 },
          big: { type: 'openai-compatible', base_url: upstream.url, model: 'echo' },
        },
        scripted: { fixtures_dir: TEST_FIXTURES_DIR },
        routing: { truncation, max_attempts: 1, summary_max_tokens: 40, ...(summaryModel ? { summary_model: summaryModel } : {}) },
      }),
    );

  it('sends the upstream a request that fits, oldest turns dropped', async () => {
    await models('drop-oldest').resolve('small').chat({ messages: long(10), maxTokens: 50 });
    const sent = upstream.requests.at(-1)!.messages as Array<{ role: string; content: string }>;
    assert.equal(sent[0]?.content, 'be terse');
    assert.equal(sent.at(-1)?.content, 'the last question');
    assert.ok(sent.length < 12, `${sent.length} of 12 messages sent`);
    assert.ok(!sent.some((m) => m.content.startsWith('turn 0 ')), 'the oldest turn went first');
  });

  it('refuses instead when the policy says so', async () => {
    await assert.rejects(models('error').resolve('small').chat({ messages: long(10), maxTokens: 50 }), (e: unknown) => e instanceof InvalidRequestError && e.code === 'context_length_exceeded');
  });

  it('summarises the dropped turns into one system message with a summary model', async () => {
    const summariser = scriptedModel({ replies: { default: ['The user went through turns 0 to 9 about widgets.'] } });
    await models('summarise', summariser).resolve('small').chat({ messages: long(10), maxTokens: 50 });
    const sent = upstream.requests.at(-1)!.messages as Array<{ role: string; content: string }>;
    assert.equal(sent[0]?.content, 'be terse');
    assert.equal(sent[1]?.role, 'system');
    assert.match(sent[1]!.content, /^Summary of the \d+ earliest messages of this conversation, left out to fit the context window:\nThe user went through turns 0 to 9 about widgets\.$/);
    assert.equal(sent.at(-1)?.content, 'the last question');
    assert.ok((await countPromptTokens(sent as ChatMessage[])) <= 150, 'it still fits with max_tokens');
  });

  it('falls back to dropping when the summary model fails', async () => {
    await models('summarise', 'big/broken').resolve('small').chat({ messages: long(10), maxTokens: 50 });
    const sent = upstream.requests.at(-1)!.messages as Array<{ role: string; content: string }>;
    assert.equal(upstream.requests.at(-2)?.model, 'broken', 'the summary model was asked');
    assert.ok(!sent.some((m) => m.content.startsWith('Summary of')));
    assert.equal(sent.at(-1)?.content, 'the last question');
  });

  it('names the field when the summary model is missing or unknown', () => {
    assert.throws(() => models('summarise'), /routing\.summary_model: required when truncation is summarise/);
    assert.throws(() => models('summarise', 'nowhere'), /routing\.summary_model: unknown model "nowhere"/);
  });
});
