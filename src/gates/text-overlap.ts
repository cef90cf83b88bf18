import { stemmer } from 'stemmer';

// Words that carry no requirement of their own ("the", "must", "it"...).
const STOP_WORDS = new Set(
  ('a an and any are as at be been but by can could do does each either every for from has have how i if in into is it its ' +
    'itself may me might more most must my no nor not of on one only or other our own please same shall should so some such ' +
    'than that the their them then there these they this those to too under until up us very was we were what when where which ' +
    'while who whom why will with would you your also both just include includes including use uses using write make makes need needs')
    .split(' '),
);

/**
 * The content words of a text, stemmed (Porter): "Strips accents" and "strip the accent"
 * share {strip, accent}. Accents are folded and case is ignored; numbers count as words.
 */
export function contentWords(text: string): Set<string> {
  const folded = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const words = folded.match(/[a-z0-9]+/g) ?? [];
  return new Set(words.filter((word) => !STOP_WORDS.has(word) && (word.length > 1 || /\d/.test(word))).map((word) => stemmer(word)));
}

/** The share (0..1) of `needle`'s content words that `haystack` holds; 1 when `needle` has none. */
export function coverage(needle: Set<string>, haystack: Set<string>): number {
  if (needle.size === 0) return 1;
  let found = 0;
  for (const word of needle) if (haystack.has(word)) found += 1;
  return found / needle.size;
}

/** Whitespace and case folded, for finding a quote in a source whatever its line breaks. */
export function normalizeForQuote(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').replace(/\s+/g, ' ').trim();
}
