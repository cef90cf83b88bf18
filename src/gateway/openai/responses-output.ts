import { randomUUID } from 'node:crypto';
import type { ChatResult, StreamPart, ToolCall, Usage } from '../model-provider.js';
import type { ResponsesRequest } from './responses-request.js';

const newId = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;

function usageOf(usage: Usage) {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

const messageItem = (id: string, text: string, status: 'in_progress' | 'completed') => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: status === 'completed' ? [{ type: 'output_text', text, annotations: [], logprobs: [] }] : [],
});

const callItem = (id: string, call: ToolCall, status: 'in_progress' | 'completed') => ({ type: 'function_call', id, call_id: call.id, name: call.name, arguments: status === 'completed' ? call.arguments : '', status });

const reasoningItem = (id: string, text: string) => ({ type: 'reasoning', id, summary: text ? [{ type: 'summary_text', text }] : [] });

/** The response object's fields that echo the request. */
function echo(request: ResponsesRequest) {
  return {
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    parallel_tool_calls: true,
    previous_response_id: null,
    temperature: request.temperature ?? null,
    text: { format: request.text?.format ?? { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: null,
    store: false,
    metadata: {},
    error: null,
  };
}

/** A whole `response` object for a reply. */
export function toResponse(request: ResponsesRequest, id: string, created: number, result: ChatResult): Record<string, unknown> {
  const cut = result.finishReason === 'length';
  return {
    id,
    object: 'response',
    created_at: created,
    status: cut ? 'incomplete' : 'completed',
    incomplete_details: cut ? { reason: 'max_output_tokens' } : null,
    model: result.model,
    output: [
      ...(result.reasoning ? [reasoningItem(newId('rs'), result.reasoning)] : []),
      ...(result.content || result.toolCalls.length === 0 ? [messageItem(newId('msg'), result.content, 'completed')] : []),
      ...result.toolCalls.map((call) => callItem(newId('fc'), call, 'completed')),
    ],
    usage: usageOf(result.usage),
    ...echo(request),
  };
}

/**
 * A streamed reply as the Responses API's events (`response.created` … `response.completed`),
 * each with its `type` and `sequence_number`; a failure mid-way is `response.failed`.
 */
export async function* responseEvents(request: ResponsesRequest, id: string, created: number, first: IteratorResult<StreamPart>, parts: AsyncIterator<StreamPart>): AsyncIterable<string> {
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) => JSON.stringify({ type, sequence_number: sequence++, ...data });
  const base = { id, object: 'response', created_at: created, model: '', output: [] as unknown[], usage: null as unknown, ...echo(request) };
  yield event('response.created', { response: { ...base, status: 'in_progress' } });
  yield event('response.in_progress', { response: { ...base, status: 'in_progress' } });
  const output: unknown[] = [];
  let text: { id: string; index: number; text: string } | undefined;
  let reasoning: { id: string; index: number; text: string } | undefined;
  const closeReasoning = function* () {
    if (!reasoning) return;
    const item = reasoningItem(reasoning.id, reasoning.text);
    output[reasoning.index] = item;
    yield event('response.output_item.done', { output_index: reasoning.index, item });
    reasoning = undefined;
  };
  const closeText = function* () {
    if (!text) return;
    yield event('response.output_text.done', { item_id: text.id, output_index: text.index, content_index: 0, text: text.text, logprobs: [] });
    yield event('response.content_part.done', { item_id: text.id, output_index: text.index, content_index: 0, part: { type: 'output_text', text: text.text, annotations: [] } });
    const item = messageItem(text.id, text.text, 'completed');
    output[text.index] = item;
    yield event('response.output_item.done', { output_index: text.index, item });
    text = undefined;
  };
  let next = first;
  try {
    while (!next.done) {
      const part = next.value;
      if (part.type === 'reasoning-delta') {
        if (!reasoning) {
          reasoning = { id: newId('rs'), index: output.length, text: '' };
          output.push(null);
          yield event('response.output_item.added', { output_index: reasoning.index, item: reasoningItem(reasoning.id, '') });
        }
        reasoning.text += part.text;
      } else if (part.type === 'text-delta') {
        yield* closeReasoning();
        if (!text) {
          text = { id: newId('msg'), index: output.length, text: '' };
          output.push(null);
          yield event('response.output_item.added', { output_index: text.index, item: messageItem(text.id, '', 'in_progress') });
          yield event('response.content_part.added', { item_id: text.id, output_index: text.index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
        }
        text.text += part.text;
        yield event('response.output_text.delta', { item_id: text.id, output_index: text.index, content_index: 0, delta: part.text, logprobs: [] });
      } else if (part.type === 'tool-call') {
        yield* closeReasoning();
        yield* closeText();
        const itemId = newId('fc');
        const index = output.length;
        output.push(null);
        yield event('response.output_item.added', { output_index: index, item: callItem(itemId, part.toolCall, 'in_progress') });
        yield event('response.function_call_arguments.delta', { item_id: itemId, output_index: index, delta: part.toolCall.arguments });
        yield event('response.function_call_arguments.done', { item_id: itemId, output_index: index, arguments: part.toolCall.arguments });
        const item = callItem(itemId, part.toolCall, 'completed');
        output[index] = item;
        yield event('response.output_item.done', { output_index: index, item });
      } else {
        yield* closeReasoning();
        yield* closeText();
        const cut = part.finishReason === 'length';
        yield event(cut ? 'response.incomplete' : 'response.completed', {
          response: { ...base, model: part.model, status: cut ? 'incomplete' : 'completed', incomplete_details: cut ? { reason: 'max_output_tokens' } : null, output, usage: usageOf(part.usage) },
        });
      }
      next = await parts.next();
    }
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    yield event('response.failed', { response: { ...base, status: 'failed', output, error: { code: code ?? 'server_error', message: message ?? String(error) } } });
  } finally {
    if (!next.done) await parts.return?.();
  }
}

export { newId as responseId };
