import canonicalizeModule from 'canonicalize';

// `canonicalize` implements RFC 8785 (JSON Canonicalization Scheme): sorted keys,
// ECMAScript number formatting, no insignificant whitespace.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}
