import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions } from 'node-llama-cpp';
import type { ChatRequest, ToolDefinition } from '../../model-provider.js';

/**
 * umca messages to node-llama-cpp's chat history: system and user turns as they are, an
 * assistant turn as a model response whose tool calls carry the results of the tool
 * messages that answer them, and an empty model response last, for the model to fill.
 */
export function toLlamaHistory(request: ChatRequest): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const calls = new Map<string, ChatModelFunctionCall>();
  for (const message of request.messages) {
    if (message.role === 'system') history.push({ type: 'system', text: message.content });
    else if (message.role === 'user') history.push({ type: 'user', text: message.content });
    else if (message.role === 'assistant') {
      const response: Array<string | ChatModelFunctionCall> = message.content ? [message.content] : [];
      for (const call of message.toolCalls ?? []) {
        const functionCall: ChatModelFunctionCall = { type: 'functionCall', name: call.name, params: parseArguments(call.arguments), result: null };
        calls.set(call.id, functionCall);
        response.push(functionCall);
      }
      history.push({ type: 'model', response });
    } else {
      const call = message.toolCallId ? calls.get(message.toolCallId) : undefined;
      // A tool result without its call (a truncated conversation) is still context for the model.
      if (call) call.result = message.content;
      else history.push({ type: 'user', text: `Tool result: ${message.content}` });
    }
  }
  history.push({ type: 'model', response: [] });
  return history;
}

/** Tool definitions as node-llama-cpp functions; their JSON Schemas become the call grammar. */
export function toLlamaFunctions(tools: readonly ToolDefinition[]): ChatModelFunctions {
  return Object.fromEntries(tools.map((tool) => [tool.name, { description: tool.description, params: tool.parameters as never }]));
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text || '{}') as unknown;
  } catch {
    return {};
  }
}
