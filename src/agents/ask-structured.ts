import { UmcaError } from '../core/errors.js';
import { draft } from '../core/events.js';
import type { ChatMessage, ChatResult, ToolDefinition } from '../gateway/model-provider.js';
import { toolCallsInText } from './text-tool-calls.js';
import type { ReplySchema, StepScope } from '../engine/step-scope.js';

/** A reply whose tool calls the model wrote as text (see toolCallsInText), with them as calls. */
function withTextToolCalls(reply: ChatResult, offered: readonly ToolDefinition[]): ChatResult {
  if (reply.toolCalls.length > 0 || offered.length === 0) return reply;
  const calls = toolCallsInText(reply.content, offered);
  return calls.length ? { ...reply, toolCalls: calls } : reply;
}

/** Room a reply cut at its token limit is given next (twice what it used, within these). */
const MIN_REPLY_TOKENS = 2_048;
const MAX_REPLY_TOKENS = 32_768;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
/** Reads a reply; may look things up (a coder's edits are applied to the repository to check them). */
type Parse<T> = (reply: string) => Parsed<T> | Promise<Parsed<T>>;

export interface AskInput<T> {
  role: string;
  firstTurn: number;
  messages: ChatMessage[];
  parse: Parse<T>;
  maxRetries: number;
  responseFormat?: 'json' | 'text';
  /** The reply's JSON Schema, for providers that enforce one. */
  schema?: ReplySchema;
  /** Offer the step's tools, and allow this many calls before the model must answer. 0: no tools. */
  maxToolCalls?: number;
}

export interface AskOutput<T> {
  value: T;
  /** Model calls made (turn numbers stay deterministic on resume). */
  turns: number;
  /** Tool results the model was given, citable by their ids. */
  sources: Array<{ id: string; content: string; sha256?: string }>;
}

/**
 * Asks a model for a reply that must parse. The model may first call the step's tools (a
 * loop bounded by `maxToolCalls`; past it the model is told to answer without them). An
 * invalid reply is sent back with the validation error, at most `maxRetries` times; then
 * the step fails naming the error.
 */
export async function askStructured<T>(scope: Pick<StepScope, 'chat'> & Partial<Pick<StepScope, 'tools' | 'callTool' | 'emit' | 'step'>>, input: AskInput<T>): Promise<AskOutput<T>> {
  const messages = [...input.messages];
  const sources: AskOutput<T>['sources'] = [];
  const maxToolCalls = scope.tools && scope.callTool ? (input.maxToolCalls ?? 0) : 0;
  const offered = maxToolCalls > 0 ? await scope.tools!() : [];
  let turn = input.firstTurn;
  let toolCalls = 0;
  let lastError = '';
  /** Room for the reply: none asked (the provider's own) until one was cut at its limit. */
  let maxTokens: number | undefined;
  const ask = async (): Promise<ChatResult> => {
    const tools = toolCalls < maxToolCalls ? offered : [];
    const reply = await scope.chat({
      role: input.role,
      turn,
      messages,
      ...(input.responseFormat ? { responseFormat: input.responseFormat } : {}),
      ...(input.schema ? { schema: input.schema } : {}),
      ...(tools.length ? { tools } : {}),
      ...(maxTokens ? { maxTokens } : {}),
    });
    turn += 1;
    return reply;
  };
  for (let retry = 0; retry <= input.maxRetries; retry += 1) {
    let reply = withTextToolCalls(await ask(), toolCalls < maxToolCalls ? offered : []);
    let pastLimit = 0;
    while (reply.toolCalls.length > 0) {
      // Told the limit and offered no tools, a model answers; one that still calls is stuck.
      if (toolCalls >= maxToolCalls && (pastLimit += 1) > 1) {
        throw new UmcaError('tool_loop', `the ${input.role} kept calling tools past this step's limit of ${maxToolCalls} calls`, { status: 502 });
      }
      messages.push({ role: 'assistant', content: reply.content, toolCalls: reply.toolCalls });
      for (const call of reply.toolCalls) {
        toolCalls += 1;
        const outcome = toolCalls <= maxToolCalls ? await scope.callTool!(call) : { text: `ERROR (limit): this step may make ${maxToolCalls} tool calls; answer with what you have` };
        if (outcome.sources) sources.push(...outcome.sources);
        messages.push({ role: 'tool', toolCallId: call.id, content: outcome.text });
      }
      reply = withTextToolCalls(await ask(), toolCalls < maxToolCalls ? offered : []);
    }
    // Cut at the token limit is not a wrong answer but a short one — and never taken, even where
    // repairing would make it parse (a plan missing its end): again, with twice the room.
    const cut = reply.finishReason === 'length';
    const parsed = cut ? undefined : await input.parse(reply.content);
    if (parsed?.ok) return { value: parsed.value, turns: turn - input.firstTurn, sources };
    lastError = parsed ? parsed.error : `the reply was cut off at the token limit (${reply.usage.outputTokens} tokens) before it was complete`;
    if (cut) maxTokens = Math.min(MAX_REPLY_TOKENS, Math.max(2 * reply.usage.outputTokens, 2 * (maxTokens ?? 0), MIN_REPLY_TOKENS));
    scope.emit?.(draft('model.reply_rejected', `agent:${input.role}`, { step: scope.step ?? '', role: input.role, turn: turn - 1, reason: lastError.slice(0, 4_000), retry: retry < input.maxRetries }));
    messages.push(
      { role: 'assistant', content: reply.content },
      {
        role: 'user',
        content: cut
          ? 'Your reply was cut off at the token limit before it was complete. Answer again from the start, in full, as briefly as the format allows.'
          : `Your reply was invalid: ${lastError}. Answer again, following the format exactly.`,
      },
    );
  }
  throw new UmcaError('invalid_model_reply', `the ${input.role}'s reply stayed invalid after ${input.maxRetries + 1} tries: ${lastError}`, { status: 502 });
}
