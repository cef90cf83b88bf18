import type { ToolCall, ToolDefinition } from '../gateway/model-provider.js';
import { extractJson } from './extract-json.js';

const HERMES = /<tool_call>\s*([\s\S]*?)\s*<\/tool_call>/g;
const MISTRAL = /\[TOOL_CALLS\]\s*(\[[\s\S]*\])/;

/**
 * Tool calls a model wrote into its content instead of the API's `tool_calls` — what some
 * models do when a server does not parse their template's calls: Hermes/Qwen's
 * `<tool_call>{"name", "arguments"}</tool_call>`, Mistral's `[TOOL_CALLS] [{…}]`, Llama 3.1's
 * bare `{"name", "parameters"}`. Only calls of the tools offered count; anything else is text.
 */
export function toolCallsInText(content: string, offered: readonly ToolDefinition[]): ToolCall[] {
  if (offered.length === 0) return [];
  const names = new Set(offered.map((tool) => tool.name));
  const candidates: unknown[] = [];
  for (const match of content.matchAll(HERMES)) candidates.push(parsed(match[1]!));
  const mistral = MISTRAL.exec(content);
  if (mistral) {
    const list = parsed(mistral[1]!);
    if (Array.isArray(list)) candidates.push(...list);
  }
  // Llama 3.1 writes the call as the whole reply.
  if (candidates.length === 0 && content.trim().startsWith('{')) candidates.push(parsed(content));
  const calls: ToolCall[] = [];
  for (const [index, candidate] of candidates.entries()) {
    if (!candidate || typeof candidate !== 'object') continue;
    const { name, arguments: args, parameters } = candidate as { name?: unknown; arguments?: unknown; parameters?: unknown };
    if (typeof name !== 'string' || !names.has(name)) continue;
    const given = args ?? parameters ?? {};
    calls.push({ id: `text_call_${index + 1}`, name, arguments: typeof given === 'string' ? given : JSON.stringify(given) });
  }
  return calls;
}

function parsed(text: string): unknown {
  const json = extractJson(text);
  return json.ok ? json.value : undefined;
}
