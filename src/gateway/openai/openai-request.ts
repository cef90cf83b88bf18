import { z } from 'zod';

/**
 * An OpenAI chat-completions request as clients send it. Fields umca does not use are
 * accepted and ignored (clients send `user`, `seed`, `top_p` …), as OpenAI-compatible servers do.
 */
const textPart = z.object({ type: z.literal('text'), text: z.string() });
const content = z.union([z.string(), z.array(z.union([textPart, z.object({ type: z.string() }).passthrough()]))]);

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function').default('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content }),
  z.object({ role: z.literal('developer'), content }),
  z.object({ role: z.literal('user'), content }),
  z.object({ role: z.literal('assistant'), content: content.nullish(), tool_calls: z.array(toolCall).optional() }),
  z.object({ role: z.literal('tool'), content, tool_call_id: z.string() }),
]);

export const chatCompletionRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  tools: z
    .array(
      z.object({
        type: z.literal('function'),
        function: z.object({ name: z.string().min(1), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
      }),
    )
    .optional(),
  tool_choice: z
    .union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })])
    .optional(),
  response_format: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({ name: z.string(), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
      }),
    ])
    .optional(),
  temperature: z.number().min(0).max(2).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  n: z.literal(1).nullish(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/**
 * Fields of a chat-completions request umca does not act on: copied as the caller sent them
 * to upstreams that speak OpenAI's API (which judge them), not validated here one by one.
 */
export const PASSTHROUGH_FIELDS = ['top_p', 'stop', 'seed', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'user', 'parallel_tool_calls', 'metadata', 'reasoning_effort', 'verbosity', 'prediction'] as const;
// Not passed: `service_tier` and `store` act on the account umca calls with (its price tier, its
// stored completions), not on the reply — a caller does not choose them for umca's key.

/** The pass-through fields the caller set, as given. */
export function passthroughOf(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  let found: Record<string, unknown> | undefined;
  for (const field of PASSTHROUGH_FIELDS) {
    const value = (body as Record<string, unknown>)[field];
    if (value !== undefined) (found ??= {})[field] = value;
  }
  return found;
}
