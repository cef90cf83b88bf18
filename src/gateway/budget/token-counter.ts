import { cl100k as load } from '../../core/cl100k.js';
import type { ChatMessage } from '../model-provider.js';

/** Prompt tokens of a chat as OpenAI counts them: content plus ~4 tokens per message and 3 for the reply's priming. */
export async function countPromptTokens(messages: readonly ChatMessage[]): Promise<number> {
  const enc = await load();
  let total = 3;
  for (const message of messages) {
    total += 4 + enc.count(message.content);
    for (const call of message.toolCalls ?? []) total += enc.count(call.name) + enc.count(call.arguments);
  }
  return total;
}

export async function countTokens(texts: readonly string[]): Promise<number> {
  const enc = await load();
  return texts.reduce((sum, text) => sum + enc.count(text), 0);
}
