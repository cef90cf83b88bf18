/**
 * NUL (U+0000) in a caller's string: PostgreSQL text cannot hold it, logs show it as
 * nothing, and C-string APIs cut at it. Every door refuses it at the edge, once.
 */

/** Whether `value` (a string, or strings anywhere inside arrays and objects, keys included) holds a NUL. */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((item) => containsNul(item, depth + 1));
  return Object.entries(value).some(([key, item]) => key.includes('\0') || containsNul(item, depth + 1));
}

/** Whether JSON text may decode to a string with a NUL (it can only be spelled `\u0000`): a cheap test before `containsNul`. */
export function jsonMayContainNul(text: string): boolean {
  return /\\u0000/i.test(text) || text.includes('\0');
}
