import type { ChatResult } from './model-provider.js';

const OPEN = /<(think|thinking|reasoning)>/i;

/**
 * A reply's answer apart from its reasoning: what a reasoning model thought, given in its own
 * field (`reasoning_content`, DeepSeek's API and vLLM's; `reasoning`, OpenRouter's and
 * Ollama's) or written into the content as `<think>…</think>` (DeepSeek-R1 and its distills,
 * QwQ and Qwen3 as llama.cpp and older Ollama serve them). Handled: blocks anywhere, several
 * of them, a reply whose template opened the block in the prompt (only `</think>` shows), and
 * a block cut short by the token limit (everything after `<think>` is reasoning).
 */
export function separateReasoning(result: Pick<ChatResult, 'content' | 'reasoning'>): { content: string; reasoning?: string } {
  const thoughts: string[] = result.reasoning ? [result.reasoning] : [];
  let content = result.content;
  // The chat template opened the block itself: the reply starts inside it.
  const close = /<\/(think|thinking|reasoning)>/i.exec(content);
  const open = OPEN.exec(content);
  if (close && (!open || open.index > close.index)) {
    thoughts.push(content.slice(0, close.index));
    content = content.slice(close.index + close[0].length);
  }
  for (let match = OPEN.exec(content); match; match = OPEN.exec(content)) {
    const tag = match[1]!;
    const end = new RegExp(`</${tag}>`, 'i').exec(content.slice(match.index + match[0].length));
    const bodyStart = match.index + match[0].length;
    if (!end) {
      // Cut short: the rest is thinking that never finished.
      thoughts.push(content.slice(bodyStart));
      content = content.slice(0, match.index);
      break;
    }
    thoughts.push(content.slice(bodyStart, bodyStart + end.index));
    content = content.slice(0, match.index) + content.slice(bodyStart + end.index + end[0].length);
  }
  const reasoning = thoughts.map((t) => t.trim()).filter(Boolean).join('\n\n');
  return { content: reasoning ? content.trim() : content, ...(reasoning ? { reasoning } : {}) };
}
