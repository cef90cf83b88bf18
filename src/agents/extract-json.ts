import { jsonrepair } from 'jsonrepair';

/**
 * The JSON value a model's reply holds. Models wrap JSON in prose or ``` fences, write it
 * with comments, trailing commas or single quotes, or stop mid-way at their token limit. In
 * order: the whole reply, the first fenced block, the span from the first `{` to the last
 * `}` — each as it is, then each (and the rest of the reply from its first `{`, for a reply
 * cut short) repaired with jsonrepair. An empty reply, or one with no JSON in it, says so.
 */
export function extractJson(reply: string): { ok: true; value: unknown; repaired?: boolean } | { ok: false; error: string } {
  if (reply.trim() === '') return { ok: false, error: 'the reply is empty' };
  if (!/[{[]/.test(reply)) return { ok: false, error: 'the reply holds no JSON object (it is prose; answer with the JSON alone)' };
  const fenced = /```(?:json|jsonc|json5)?[ \t]*\n([\s\S]*?)(?:\n```|$)/.exec(reply)?.[1];
  const start = reply.indexOf('{');
  const end = reply.lastIndexOf('}');
  const candidates = [reply.trim(), fenced, start >= 0 && end > start ? reply.slice(start, end + 1) : undefined];
  let lastError = 'the reply holds no JSON object';
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      return { ok: true, value: JSON.parse(candidate) as unknown };
    } catch (error) {
      lastError = `the reply is not valid JSON (${(error as Error).message})`;
    }
  }
  // Near-JSON: repaired only where it looks like an object or a list, never prose turned into a string.
  for (const candidate of [fenced, start >= 0 ? reply.slice(start) : undefined, start >= 0 && end > start ? reply.slice(start, end + 1) : undefined]) {
    const text = candidate?.trim();
    if (!text || !/^[{[]/.test(text)) continue;
    try {
      return { ok: true, value: JSON.parse(jsonrepair(text)) as unknown, repaired: true };
    } catch {
      // not repairable either: the strict parser's error says most
    }
  }
  return { ok: false, error: lastError };
}
