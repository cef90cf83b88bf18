import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { separateReasoning } from './reasoning.js';

describe("a reasoning model's thinking, apart from its answer", () => {
  it('takes the reasoning field as it is (DeepSeek reasoning_content, OpenRouter reasoning)', () => {
    assert.deepEqual(separateReasoning({ content: '{"a":1}', reasoning: 'the user wants a' }), { content: '{"a":1}', reasoning: 'the user wants a' });
  });

  it('lifts <think> blocks out of the content: at the start, several, in other tag names', () => {
    assert.deepEqual(separateReasoning({ content: '<think>\nFirst, plan.\n</think>\n\n{"title":"x"}' }), { content: '{"title":"x"}', reasoning: 'First, plan.' });
    assert.deepEqual(separateReasoning({ content: '<think>a</think>one <thinking>b</thinking>two' }), { content: 'one two', reasoning: 'a\n\nb' });
  });

  it('reads a reply whose chat template opened the block in the prompt (only </think> shows)', () => {
    assert.deepEqual(separateReasoning({ content: 'Okay, so the spec says…\n</think>\n```ts path=a.ts\nx\n```' }), { content: '```ts path=a.ts\nx\n```', reasoning: 'Okay, so the spec says…' });
  });

  it('a block the token limit cut short is all reasoning, and leaves no answer', () => {
    assert.deepEqual(separateReasoning({ content: '<think>Let me think about the hyphens and' }), { content: '', reasoning: 'Let me think about the hyphens and' });
  });

  it('a reply with no reasoning is left exactly as it was', () => {
    assert.deepEqual(separateReasoning({ content: '  {"a": 1}\n' }), { content: '  {"a": 1}\n' });
  });
});
