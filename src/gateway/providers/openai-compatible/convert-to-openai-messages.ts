import type { ChatMessage, ChatRequest } from '../../model-provider.js';

/** umca messages and options to an OpenAI chat-completions request body. */
export function toOpenAiBody(request: ChatRequest, model: string, stream: boolean): Record<string, unknown> {
  // The caller's own fields first (top_p, stop, seed…), as they sent them; umca's after, so they cannot be overridden.
  const body: Record<string, unknown> = { ...request.passthrough, model: request.model ?? model, messages: request.messages.map(toOpenAiMessage), stream };
  if (stream) body.stream_options = { include_usage: true };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.responseFormat === 'json') body.response_format = { type: 'json_object' };
  else if (typeof request.responseFormat === 'object') {
    const { name, schema, strict } = request.responseFormat;
    body.response_format = { type: 'json_schema', json_schema: { name, schema, ...(strict === undefined ? {} : { strict }) } };
  }
  if (request.tools?.length) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters, ...(tool.strict === undefined ? {} : { strict: tool.strict }) },
    }));
    if (request.toolChoice !== undefined) {
      body.tool_choice =
        typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', function: { name: request.toolChoice.name } };
    }
  }
  return body;
}

function toOpenAiMessage(message: ChatMessage): Record<string, unknown> {
  if (message.role === 'tool') return { role: 'tool', content: message.content, tool_call_id: message.toolCallId };
  const out: Record<string, unknown> = { role: message.role, content: message.content };
  if (message.toolCalls?.length) {
    out.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return out;
}
