import { contentWords } from './text-overlap.js';

export interface SpecRequirement {
  /** The clause as the spec words it. */
  text: string;
  line: number;
  words: Set<string>;
}

/**
 * The spec's requirements, as clauses: each bullet or sentence, and within a sentence each
 * comma- or semicolon-separated part that says something of its own ("lower-cases the text,
 * strips accents, and trims hyphens" is three). A part with fewer than two content words
 * ("YAML" in "JSON, YAML and TOML") stays with the part before it.
 */
export function specRequirements(spec: string): SpecRequirement[] {
  const requirements: SpecRequirement[] = [];
  const lines = spec.split('\n');
  let paragraph: Array<{ text: string; line: number }> = [];
  const flush = () => {
    if (paragraph.length === 0) return;
    const text = paragraph.map((p) => p.text).join(' ');
    for (const sentence of sentences(text)) for (const clause of clauses(sentence)) requirements.push({ text: clause, line: paragraph[0]!.line, words: contentWords(clause) });
    paragraph = [];
  };
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const bullet = /^(?:[-*+•]|\d+[.)])\s+(.*)$/.exec(line);
    if (!line || bullet || /^#{1,6}\s/.test(line)) flush();
    if (bullet) paragraph.push({ text: bullet[1]!, line: index + 1 });
    else if (line && !/^#{1,6}\s/.test(line)) paragraph.push({ text: line, line: index + 1 });
    if (bullet) flush();
  });
  flush();
  return requirements.filter((requirement) => requirement.words.size > 0);
}

/** Sentence ends: `.`, `!` or `?` before whitespace and a capital, quote or bracket (not `src/a.ts exports`). */
function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+(?=[A-Z"'(\[])/).map((s) => s.trim()).filter(Boolean);
}

function clauses(sentence: string): string[] {
  const parts: string[] = [];
  // Commas and semicolons outside brackets split; "and"/"or" after a comma belongs to the split.
  let depth = 0;
  let current = '';
  for (const char of sentence) {
    if ('([{'.includes(char)) depth += 1;
    if (')]}'.includes(char)) depth = Math.max(0, depth - 1);
    if (depth === 0 && (char === ',' || char === ';')) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  const merged: string[] = [];
  for (const raw of parts) {
    const part = raw.trim().replace(/^(?:and|or|then)\s+/i, '').replace(/[.!?]+$/, '').trim();
    if (!part) continue;
    if (merged.length > 0 && contentWords(part).size < 2) merged[merged.length - 1] += `, ${part}`;
    else merged.push(part);
  }
  return merged;
}
