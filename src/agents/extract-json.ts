/**
 * Models wrap JSON in prose or ``` fences. Returns the first parseable JSON value among:
 * the whole reply, the first fenced block, the span from the first `{` to the last `}`.
 */
export function extractJson(reply: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n```/.exec(reply)?.[1];
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
  return { ok: false, error: lastError };
}
