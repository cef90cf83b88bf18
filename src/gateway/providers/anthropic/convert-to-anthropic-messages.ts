import type { ChatMessage, ChatRequest } from '../../model-provider.js';

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

/**
 * umca messages and options to an Anthropic Messages request body: system messages move to
 * `system`, tool calls become `tool_use` blocks and tool results `tool_result` blocks in a
 * user turn, and consecutive turns of one role merge (the API wants them alternating).
 */
export function toAnthropicBody(request: ChatRequest, model: string, maxTokens: number, stream: boolean): Record<string, unknown> {
  const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const formatHint = responseFormatHint(request);
  if (formatHint) system.push(formatHint);
  const messages: AnthropicMessage[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') continue;
    const turn = toAnthropicMessage(message);
    const last = messages.at(-1);
    if (last?.role === turn.role) last.content.push(...turn.content);
    else messages.push(turn);
  }
  const body: Record<string, unknown> = { model: request.model ?? model, max_tokens: request.maxTokens ?? maxTokens, messages, stream };
  if (system.length > 0) body.system = system.join('\n\n');
  if (request.temperature !== undefined) body.temperature = Math.min(1, request.temperature);
  // OpenAI's fields with an Anthropic equivalent; the rest are named by ignoredAnthropicFields.
  const passed = request.passthrough ?? {};
  if (typeof passed.top_p === 'number') body.top_p = passed.top_p;
  if (typeof passed.stop === 'string' || Array.isArray(passed.stop)) body.stop_sequences = typeof passed.stop === 'string' ? [passed.stop] : passed.stop;
  if (typeof passed.user === 'string') body.metadata = { user_id: passed.user };
  if (request.tools?.length) {
    body.tools = request.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters }));
    const choice = request.toolChoice;
    if (choice !== undefined) {
      body.tool_choice = typeof choice === 'object' ? { type: 'tool', name: choice.name } : { type: choice === 'required' ? 'any' : choice };
    }
    if (passed.parallel_tool_calls === false) body.tool_choice = { ...((body.tool_choice as Record<string, unknown> | undefined) ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  return body;
}

function toAnthropicMessage(message: ChatMessage): AnthropicMessage {
  if (message.role === 'tool') {
    return { role: 'user', content: [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }] };
  }
  const content: Block[] = message.content ? [{ type: 'text', text: message.content }] : [];
  for (const call of message.toolCalls ?? []) content.push({ type: 'tool_use', id: call.id, name: call.name, input: parseArguments(call.arguments) });
  return { role: message.role === 'assistant' ? 'assistant' : 'user', content };
}

/** Tool arguments are a JSON text in umca and an object in Anthropic's API. */
function parseArguments(text: string): unknown {
  try {
    const value = JSON.parse(text || '{}') as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : { value };
  } catch {
    return {};
  }
}

/** Anthropic's API has no response_format; the request for JSON goes into the system prompt instead. */
function responseFormatHint(request: ChatRequest): string | undefined {
  const format = request.responseFormat;
  if (format === 'json') return 'Reply with one JSON object and nothing else.';
  if (typeof format === 'object') return `Reply with one JSON object and nothing else, matching this JSON Schema (${format.name}): ${JSON.stringify(format.schema)}`;
  return undefined;
}

/** OpenAI fields the Messages API has an equivalent for (top_p, stop → stop_sequences, user → metadata.user_id, parallel_tool_calls). */
const ANTHROPIC_MAPPED = new Set(['top_p', 'stop', 'user', 'parallel_tool_calls']);

/** The pass-through fields of a request Anthropic has no equivalent for (seed, penalties, logit_bias, logprobs…). */
export function ignoredAnthropicFields(request: ChatRequest): string[] {
  return Object.keys(request.passthrough ?? {}).filter((field) => !ANTHROPIC_MAPPED.has(field)).sort();
}
