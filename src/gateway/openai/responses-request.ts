import { z } from 'zod';
import { InvalidRequestError } from '../../core/errors.js';
import type { ChatMessage, ChatRequest, ToolCall } from '../model-provider.js';

/**
 * An OpenAI Responses API request (`POST /v1/responses`) as clients send it — the default of
 * `@ai-sdk/openai` and the newer openai SDK calls — in the part umca serves: text in and out,
 * function tools, JSON formats, streaming. Anything else is refused by name.
 */
const text = z.object({ type: z.enum(['input_text', 'output_text']), text: z.string() }).passthrough();
const content = z.union([z.string(), z.array(z.object({ type: z.string() }).passthrough())]);

const item = z.union([
  z.object({ type: z.literal('message').optional(), role: z.enum(['system', 'developer', 'user', 'assistant']), content }).passthrough(),
  z.object({ type: z.literal('function_call'), call_id: z.string(), name: z.string(), arguments: z.string() }).passthrough(),
  z.object({ type: z.literal('function_call_output'), call_id: z.string(), output: z.union([z.string(), z.array(text)]) }).passthrough(),
  z.object({ type: z.string() }).passthrough(),
]);

export const responsesRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(item)]),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  tools: z.array(z.object({ type: z.string(), name: z.string().optional(), description: z.string().nullish(), parameters: z.record(z.string(), z.unknown()).nullish(), strict: z.boolean().nullish() }).passthrough()).nullish(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), name: z.string() })]).nullish(),
  text: z
    .object({
      format: z
        .discriminatedUnion('type', [
          z.object({ type: z.literal('text') }),
          z.object({ type: z.literal('json_object') }),
          z.object({ type: z.literal('json_schema'), name: z.string(), schema: z.record(z.string(), z.unknown()), strict: z.boolean().nullish() }),
        ])
        .optional(),
    })
    .passthrough()
    .nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  previous_response_id: z.string().nullish(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

/** Fields a chat-completions upstream takes as they are. */
const PASSTHROUGH = ['top_p', 'user', 'parallel_tool_calls', 'metadata'] as const;

/** A Responses request as a umca ChatRequest. */
export function fromResponsesRequest(request: ResponsesRequest, raw: unknown): ChatRequest {
  if (request.previous_response_id) {
    throw new InvalidRequestError('previous_response_id: umca keeps no responses; send the whole conversation in input', 'unsupported_parameter', 'previous_response_id');
  }
  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: 'system', content: request.instructions });
  if (typeof request.input === 'string') messages.push({ role: 'user', content: request.input });
  else {
    for (const [index, entry] of request.input.entries()) {
      const where = `input.${index}`;
      const kind = 'type' in entry && typeof entry.type === 'string' ? entry.type : 'message';
      if (kind === 'message' && 'role' in entry) {
        const role = entry.role === 'developer' ? 'system' : (entry.role as ChatMessage['role']);
        messages.push({ role, content: textOf(entry.content as string | Array<{ type: string; text?: unknown }>, where) });
      } else if (kind === 'function_call' && 'call_id' in entry) {
        const call: ToolCall = { id: String(entry.call_id), name: String(entry.name), arguments: String(entry.arguments) };
        const last = messages.at(-1);
        // Calls made in one turn are one assistant message.
        if (last?.role === 'assistant' && last.toolCalls && !last.content) last.toolCalls.push(call);
        else messages.push({ role: 'assistant', content: '', toolCalls: [call] });
      } else if (kind === 'function_call_output' && 'call_id' in entry) {
        const output = entry.output as string | Array<{ type: string; text?: unknown }>;
        messages.push({ role: 'tool', toolCallId: String(entry.call_id), content: textOf(output, `${where}.output`) });
      } else if (kind === 'reasoning') {
        continue; // the model's own earlier thinking: not sent back
      } else {
        throw new InvalidRequestError(`${where}: an input item of type "${kind}" is not supported; send messages, function calls and their outputs`, 'unsupported_content', where);
      }
    }
  }
  if (messages.length === 0) throw new InvalidRequestError('input: at least one message', 'invalid_request', 'input');
  const out: ChatRequest = { messages };
  if (request.tools?.length) {
    out.tools = request.tools.map((tool, index) => {
      if (tool.type !== 'function' || !tool.name) throw new InvalidRequestError(`tools.${index}: a tool of type "${tool.type}" is not supported; umca offers function tools`, 'unsupported_tool', `tools.${index}`);
      return { name: tool.name, description: tool.description ?? '', parameters: tool.parameters ?? { type: 'object', properties: {} }, ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}) };
    });
  }
  if (request.tool_choice) out.toolChoice = typeof request.tool_choice === 'string' ? request.tool_choice : { name: request.tool_choice.name };
  if (request.temperature !== undefined && request.temperature !== null) out.temperature = request.temperature;
  if (request.max_output_tokens) out.maxTokens = request.max_output_tokens;
  const format = request.text?.format;
  if (format?.type === 'json_object') out.responseFormat = 'json';
  if (format?.type === 'json_schema') out.responseFormat = { type: 'json_schema', name: format.name, schema: format.schema, ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}) };
  const passthrough: Record<string, unknown> = {};
  for (const field of PASSTHROUGH) {
    const value = (raw as Record<string, unknown>)[field];
    if (value !== undefined) passthrough[field] = value;
  }
  const effort = ((raw as { reasoning?: { effort?: unknown } }).reasoning ?? {}).effort;
  if (effort !== undefined) passthrough.reasoning_effort = effort;
  if (Object.keys(passthrough).length) out.passthrough = passthrough;
  return out;
}

function textOf(content: string | ReadonlyArray<{ type: string; text?: unknown }>, where: string): string {
  if (typeof content === 'string') return content;
  return content
    .map((part, index) => {
      if ((part.type === 'input_text' || part.type === 'output_text' || part.type === 'text') && typeof part.text === 'string') return part.text;
      throw new InvalidRequestError(`${where}.content.${index}: content of type "${part.type}" is not supported; send text`, 'unsupported_content', `${where}.content`);
    })
    .join('');
}
