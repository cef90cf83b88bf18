import { UmcaError } from '../core/errors.js';
import type { ChatMessage } from '../gateway/model-provider.js';
import type { StepScope } from '../engine/pipeline.js';

type Parse<T> = (reply: string) => { ok: true; value: T } | { ok: false; error: string };

/**
 * Asks a model for a reply that must parse. An invalid reply is sent back with the
 * validation error, at most `maxRetries` times; then the step fails naming the error.
 * Returns the value and how many turns it took (turn numbers stay deterministic on resume).
 */
export async function askStructured<T>(
  scope: Pick<StepScope, 'chat'>,
  input: { role: string; firstTurn: number; messages: ChatMessage[]; parse: Parse<T>; maxRetries: number; responseFormat?: 'json' | 'text' },
): Promise<{ value: T; turns: number }> {
  const messages = [...input.messages];
  let lastError = '';
  for (let retry = 0; retry <= input.maxRetries; retry += 1) {
    const reply = await scope.chat({
      role: input.role,
      turn: input.firstTurn + retry,
      messages,
      ...(input.responseFormat ? { responseFormat: input.responseFormat } : {}),
    });
    const parsed = input.parse(reply.content);
    if (parsed.ok) return { value: parsed.value, turns: retry + 1 };
    lastError = parsed.error;
    messages.push(
      { role: 'assistant', content: reply.content },
      { role: 'user', content: `Your reply was invalid: ${parsed.error}. Answer again, following the format exactly.` },
    );
  }
  throw new UmcaError('invalid_model_reply', `the ${input.role}'s reply stayed invalid after ${input.maxRetries + 1} tries: ${lastError}`, { status: 502 });
}
