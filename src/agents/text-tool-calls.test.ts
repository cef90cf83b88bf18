import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatResult, ToolCall } from '../gateway/model-provider.js';
import { askStructured } from './ask-structured.js';
import { toolCallsInText } from './text-tool-calls.js';

const TOOLS = [{ name: 'umca__kb_search', description: 'search', parameters: { type: 'object' } }];

describe('tool calls written as text', () => {
  it("reads Hermes/Qwen's <tool_call>, Mistral's [TOOL_CALLS] and Llama 3.1's bare JSON — offered tools only", () => {
    // Qwen2.5 function calling (Hermes style): https://qwen.readthedocs.io/en/latest/framework/function_call.html
    assert.deepEqual(toolCallsInText('Let me look.\n<tool_call>\n{"name": "umca__kb_search", "arguments": {"query": "leases"}}\n</tool_call>', TOOLS), [{ id: 'text_call_1', name: 'umca__kb_search', arguments: '{"query":"leases"}' }]);
    // Mistral's tokenizer format: https://docs.mistral.ai/guides/tokenization/ ([TOOL_CALLS])
    assert.deepEqual(toolCallsInText('[TOOL_CALLS] [{"name": "umca__kb_search", "arguments": {"query": "x"}}]', TOOLS).map((c) => c.arguments), ['{"query":"x"}']);
    // Llama 3.1 JSON-based tool calling: https://www.llama.com/docs/model-cards-and-prompt-formats/llama3_1/
    assert.deepEqual(toolCallsInText('{"name": "umca__kb_search", "parameters": {"query": "y"}}', TOOLS).map((c) => c.arguments), ['{"query":"y"}']);
    assert.deepEqual(toolCallsInText('<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>', TOOLS), [], 'a tool not offered is text');
    assert.deepEqual(toolCallsInText('{"title": "a plan"}', TOOLS), []);
    assert.deepEqual(toolCallsInText('<tool_call>{"name": "umca__kb_search"}</tool_call>', []), [], 'no tools offered: nothing is a call');
  });

  it('a step whose model writes its call as text gets the tool called, and goes on to its answer', async () => {
    const replies = ['<tool_call>\n{"name": "umca__kb_search", "arguments": {"query": "leases"}}\n</tool_call>', '{"answer": 42}'];
    const called: ToolCall[] = [];
    const scope = {
      chat: async (): Promise<ChatResult> => ({ content: replies.shift()!, toolCalls: [], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 }, model: 'm' }),
      tools: async () => TOOLS,
      callTool: async (call: ToolCall) => {
        called.push(call);
        return { text: 'found: leases are renewed every 10 s' };
      },
    };
    const { value } = await askStructured(scope, { role: 'planner', firstTurn: 1, messages: [{ role: 'user', content: 'go' }], parse: (reply) => ({ ok: true as const, value: JSON.parse(reply) as unknown }), maxRetries: 0, maxToolCalls: 2 });
    assert.deepEqual(value, { answer: 42 });
    assert.deepEqual(called.map((c) => [c.name, c.arguments]), [['umca__kb_search', '{"query":"leases"}']]);
  });
});
