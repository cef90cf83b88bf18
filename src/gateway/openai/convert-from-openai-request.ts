import { InvalidRequestError } from '../../core/errors.js';
import type { ChatMessage, ChatRequest } from '../model-provider.js';
import { passthroughOf, type ChatCompletionRequest } from './openai-request.js';

/**
 * An OpenAI request as a umca ChatRequest. Non-text content is refused with the message index.
 * `raw`: the body as sent, whose pass-through fields (top_p, stop, seed…) travel as they are.
 */
export function fromOpenAiRequest(request: ChatCompletionRequest, raw?: unknown): ChatRequest {
  const messages = request.messages.map((message, index): ChatMessage => {
    const text = textOf(message.content ?? '', index);
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: text };
      case 'user':
        return { role: 'user', content: text };
      case 'tool':
        return { role: 'tool', content: text, toolCallId: message.tool_call_id };
      case 'assistant':
        return {
          role: 'assistant',
          content: text,
          ...(message.tool_calls?.length
            ? { toolCalls: message.tool_calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })) }
            : {}),
        };
    }
  });
  const out: ChatRequest = { messages };
  const passthrough = passthroughOf(raw);
  if (passthrough) out.passthrough = passthrough;
  if (request.tools?.length) {
    out.tools = request.tools.map((tool) => ({
      name: tool.function.name,
      description: tool.function.description ?? '',
      parameters: tool.function.parameters ?? { type: 'object', properties: {} },
      ...(typeof tool.function.strict === 'boolean' ? { strict: tool.function.strict } : {}),
    }));
  }
  if (request.tool_choice !== undefined) {
    out.toolChoice = typeof request.tool_choice === 'string' ? request.tool_choice : { name: request.tool_choice.function.name };
  }
  if (request.temperature !== undefined && request.temperature !== null) out.temperature = request.temperature;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens) out.maxTokens = maxTokens;
  const format = request.response_format;
  if (format?.type === 'json_object') out.responseFormat = 'json';
  if (format?.type === 'json_schema') {
    out.responseFormat = {
      type: 'json_schema',
      name: format.json_schema.name,
      schema: format.json_schema.schema ?? {},
      ...(typeof format.json_schema.strict === 'boolean' ? { strict: format.json_schema.strict } : {}),
    };
  }
  return out;
}

function textOf(content: string | ReadonlyArray<{ type: string; text?: unknown }>, index: number): string {
  if (typeof content === 'string') return content;
  return content
    .map((part, partIndex) => {
      if (part.type !== 'text' || typeof part.text !== 'string') {
        throw new InvalidRequestError(
          `messages.${index}.content.${partIndex}: content of type "${part.type}" is not supported; send text`,
          'unsupported_content',
          `messages.${index}.content`,
        );
      }
      return part.text;
    })
    .join('');
}
