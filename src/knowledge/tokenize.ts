import { stemmer } from 'stemmer';

// English function words: they match nearly every chunk and say nothing about any.
const STOP_WORDS = new Set(
  ('a an and are as at be been but by can do does for from had has have he her his how i if in into is it its me my no not of on or our ' +
    'she so than that the their them then there these they this those to was we were what when where which who whom why will with would you your')
    .split(' '),
);

/**
 * The search terms of a text, for BM25: accents folded, case ignored, stop words dropped,
 * Porter-stemmed. An identifier counts as itself and as its parts, so `acquireLease` and
 * `lease_owner` are found by "lease". Queries and chunks go through the same function.
 */
export function searchTerms(text: string): string[] {
  const terms: string[] = [];
  const folded = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  for (const token of folded.match(/[\p{L}\p{N}_]+/gu) ?? []) {
    const parts = token.split(/_+|(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u).filter(Boolean);
    if (parts.length > 1) addTerm(terms, token.replaceAll('_', '').toLowerCase());
    for (const part of parts) addTerm(terms, part.toLowerCase());
  }
  return terms;
}

function addTerm(terms: string[], word: string): void {
  if (word.length > 64 || STOP_WORDS.has(word) || (word.length === 1 && !/\p{N}/u.test(word))) return;
  terms.push(stemmer(word));
}

/** How often each term occurs: a chunk's postings. */
export function termFrequencies(terms: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}
