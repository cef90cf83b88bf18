import type { EventDraft } from '../../src/core/events.js';
import type { GateContext } from '../../src/engine/gate.js';
import { ScriptedProvider } from '../../src/gateway/providers/scripted/scripted-provider.js';

/**
 * A gate's context outside a run: its events collected, its judge a scripted model answering
 * `judge` turns with the given replies (through the same ModelProvider interface the gateway
 * serves), and the requests it was sent kept for inspection.
 */
export function gateContext(step: string, judgeReplies: string[] = []): GateContext & { events: EventDraft[]; prompts: string[] } {
  const judge = new ScriptedProvider('judge', { name: 'judge', description: '', delay_ms: 0, replies: { judge: judgeReplies.length ? judgeReplies : ['(no judge reply scripted)'] } });
  const events: EventDraft[] = [];
  const prompts: string[] = [];
  return {
    runId: 'run-1',
    step,
    signal: new AbortController().signal,
    emit: (event) => void events.push(event),
    chat: async ({ role, turn, messages }) => {
      prompts.push(messages.map((m) => m.content).join('\n'));
      return judge.chat({ messages, metadata: { role, turn } });
    },
    events,
    prompts,
  };
}

/** A rubric verdict as the plan judge writes it. */
export function judgeReply(scores: Partial<Record<'coverage' | 'testability' | 'feasibility' | 'focus', number>> = {}): string {
  const all = { coverage: 1, testability: 1, feasibility: 1, focus: 1, ...scores };
  return JSON.stringify(Object.fromEntries(Object.entries(all).map(([id, score]) => [id, { score, reason: `${id} scored ${score}` }])));
}
