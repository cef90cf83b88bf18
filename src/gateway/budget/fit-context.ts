import type { ChatMessage } from '../model-provider.js';

export interface Fitted {
  /** What is sent: the system messages, the turns kept, the last user turn on. */
  messages: ChatMessage[];
  /** The oldest turns that had to go, in order (for a summary of them). */
  dropped: ChatMessage[];
}

/**
 * Fits a conversation into `budget` tokens by dropping its oldest turns. System messages
 * and everything from the last user message on are kept; a turn is dropped whole (an
 * assistant message with its tool results), so no tool result loses its call. Returns
 * undefined when even what must be kept does not fit.
 */
export async function fitContext(
  messages: readonly ChatMessage[],
  budget: number,
  count: (messages: readonly ChatMessage[]) => Promise<number>,
): Promise<Fitted | undefined> {
  if ((await count(messages)) <= budget) return { messages: [...messages], dropped: [] };
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const tailStart = lastUser < 0 ? messages.length - 1 : lastUser;
  const system = messages.slice(0, tailStart).filter((m) => m.role === 'system');
  const tail = messages.slice(tailStart);
  const turns = groupTurns(messages.slice(0, tailStart).filter((m) => m.role !== 'system'));
  const dropped: ChatMessage[] = [];
  while (turns.length > 0) {
    dropped.push(...turns.shift()!);
    const fitted = [...system, ...turns.flat(), ...tail];
    if ((await count(fitted)) <= budget) return { messages: fitted, dropped };
  }
  const minimal = [...system, ...tail];
  return (await count(minimal)) <= budget ? { messages: minimal, dropped } : undefined;
}

/** Messages grouped so that tool results stay with the assistant message that called them. */
function groupTurns(messages: readonly ChatMessage[]): ChatMessage[][] {
  const turns: ChatMessage[][] = [];
  for (const message of messages) {
    const last = turns.at(-1);
    if (message.role === 'tool' && last) last.push(message);
    else turns.push([message]);
  }
  return turns;
}
