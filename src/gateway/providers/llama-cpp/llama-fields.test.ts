import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ignoredLlamaFields } from './llama-cpp-provider.js';
import { ignoredAnthropicFields, toAnthropicBody } from '../anthropic/convert-to-anthropic-messages.js';

const request = { messages: [{ role: 'user' as const, content: 'hi' }], passthrough: { top_p: 0.9, seed: 7, stop: ['END'], presence_penalty: 0.1, logit_bias: { '1': 1 }, user: 'u', logprobs: true } };

describe("OpenAI's fields on providers that are not OpenAI-compatible", () => {
  it('llama.cpp takes top_p, seed, stop and the penalties, and names the rest', () => {
    assert.deepEqual(ignoredLlamaFields(request), ['logit_bias', 'logprobs', 'user']);
  });

  it("Anthropic's Messages API takes top_p, stop (as stop_sequences), user (as metadata.user_id), and names the rest", () => {
    const body = toAnthropicBody(request, 'claude', 1024, false);
    assert.deepEqual([body.top_p, body.stop_sequences, body.metadata], [0.9, ['END'], { user_id: 'u' }]);
    assert.deepEqual(ignoredAnthropicFields(request), ['logit_bias', 'logprobs', 'presence_penalty', 'seed']);
  });
});
