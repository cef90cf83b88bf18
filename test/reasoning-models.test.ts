import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventDataOf } from '../src/core/events.js';
import { createApp } from '../src/server/app.js';
import type { Umca } from '../src/umca.js';
import { startFakeThinker } from './support/fake-thinking-upstream.js';
import { DEMO_SPEC } from './support/scripted.js';
import { testUmca } from './support/umca.js';

/**
 * Runs on reasoning models, over a fake upstream that thinks before every answer: the
 * thinking never reaches a step's parser, the run completes as on any model, and the log
 * keeps the thinking and its tokens apart from each reply.
 */
let thinker: Awaited<ReturnType<typeof startFakeThinker>>;
let umca: Umca;
before(async () => {
  thinker = await startFakeThinker();
  umca = await testUmca({
    providers: {
      thinker: { type: 'openai-compatible', base_url: thinker.url, model: 'inline' },
      strict: { type: 'openai-compatible', base_url: thinker.url, model: 'schema-only', structured_output: 'json_schema' },
    },
  });
});
after(async () => {
  await umca.close();
  await thinker.close();
});

describe('structured output where the provider enforces it', () => {
  it('a run completes against an upstream that answers only json_schema requests: each step sends its own schema', async () => {
    thinker.formats.length = 0;
    const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: 'strict/schema-only' });
    const ended = await umca.engine.execute(run.id);
    assert.equal(ended.status, 'completed', ended.reason ?? '');
    const names = new Map(thinker.formats.map((f) => [f.role, (f.format as { type: string; json_schema?: { name: string; schema: { type?: string } } }) ?? {}]));
    assert.deepEqual(Object.fromEntries([...names].map(([role, format]) => [role, [format.type, format.json_schema?.name, format.json_schema?.schema.type]])), {
      planner: ['json_schema', 'plan', 'object'],
      judge: ['json_schema', 'verdict', 'object'],
      researcher: ['json_schema', 'findings', 'object'],
      coder: ['json_schema', 'code_files', 'object'],
    });
  });

  it('a provider that holds to JSON only (the default) is asked for json_object, as before', async () => {
    thinker.formats.length = 0;
    const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: 'thinker/field' });
    assert.equal((await umca.engine.execute(run.id)).status, 'completed');
    const planner = thinker.formats.find((f) => f.role === 'planner')!.format as { type: string };
    assert.equal(planner.type, 'json_object');
    assert.equal(thinker.formats.find((f) => f.role === 'coder')!.format, undefined, 'the coder answers in prose');
  });
});

describe('the gateway and reasoning models', () => {
  it("passes a reasoning model's thinking to the caller apart, as reasoning_content, with its reasoning tokens", async () => {
    const app = createApp(umca, { log: () => undefined });
    const answer = await app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'thinker/field', messages: [{ role: 'user', content: 'You are the planner of umca' }] }) });
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as { choices: Array<{ message: { content: string; reasoning_content?: string } }>; usage: { completion_tokens_details?: { reasoning_tokens: number } } };
    assert.match(body.choices[0]!.message.reasoning_content ?? '', /let me weigh the spec/);
    assert.doesNotMatch(body.choices[0]!.message.content, /let me weigh/);
    assert.equal(body.usage.completion_tokens_details?.reasoning_tokens, 30);
  });
});

describe('runs on reasoning models', () => {
  for (const [style, model] of [['<think> blocks in the content', 'thinker/inline'], ['reasoning_content apart', 'thinker/field']] as const) {
    it(`complete when the model thinks first (${style}), the thinking on the log as its own field`, async () => {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model });
      const ended = await umca.engine.execute(run.id);
      assert.equal(ended.status, 'completed', ended.reason ?? '');
      const responses = (await umca.store.readEvents(run.id)).filter((e) => e.type === 'model.response').map((e) => e.data as EventDataOf<'model.response'>);
      assert.ok(responses.length >= 5, `every role answered: ${responses.map((r) => r.role).join(', ')}`);
      for (const response of responses) {
        assert.match(response.reasoning ?? '', /let me weigh the spec before answering/, response.role);
        assert.doesNotMatch(response.content, /<think>|let me weigh/, 'the reply as parsed holds no thinking');
        assert.equal(response.usage.reasoning_tokens, 30);
      }
    });
  }
});
