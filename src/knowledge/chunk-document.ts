import { createHash } from 'node:crypto';
import { cl100k, type TokenCounter } from '../core/cl100k.js';
import type { ParsedDocument } from './document-section.js';

/** A piece of a document that is embedded, indexed and cited on its own. */
export interface DocumentChunk {
  /** Its place in the document, from 0. */
  ord: number;
  /** Its span in the document's text (UTF-16 offsets, end exclusive): `text === document.text.slice(start, end)`. */
  start: number;
  end: number;
  text: string;
  heading: string | null;
  page: number | null;
  /** sha256 of `text` (UTF-8), hex: what a citation carries and what re-ingest compares. */
  sha256: string;
  /** cl100k tokens in `text` (the sum of its pieces' counts: within a token or two of counting it whole). */
  tokens: number;
}

export interface ChunkOptions {
  /** Most tokens in a chunk (knowledge.chunk_tokens). */
  maxTokens: number;
  /** Tokens a chunk repeats from the end of the one before it in the same section (knowledge.chunk_overlap). */
  overlapTokens: number;
}

interface Unit {
  start: number;
  end: number;
  tokens: number;
}

/**
 * Splits a parsed document into chunks along its structure: never across a section (a
 * heading, a function, a page), within one at blank lines, then line breaks, then spaces,
 * each chunk at most `maxTokens`, overlapping the one before by up to `overlapTokens`.
 * Every chunk's text is exactly the span it names; whitespace-only chunks are dropped.
 */
export async function chunkDocument(document: ParsedDocument, options: ChunkOptions): Promise<DocumentChunk[]> {
  const encoder = await cl100k();
  const chunks: DocumentChunk[] = [];
  for (const section of document.sections) {
    const units = split(document.text, section.start, section.end, options.maxTokens, encoder);
    let first = 0;
    while (first < units.length) {
      let last = first;
      let tokens = units[first]!.tokens;
      while (last + 1 < units.length && tokens + units[last + 1]!.tokens <= options.maxTokens) tokens += units[++last]!.tokens;
      const start = units[first]!.start;
      const end = units[last]!.end;
      const text = document.text.slice(start, end);
      if (text.trim()) {
        chunks.push({ ord: chunks.length, start, end, text, heading: section.heading, page: section.page, sha256: sha256(text), tokens });
      }
      if (last + 1 >= units.length) break;
      // The next chunk starts far enough back to repeat up to overlapTokens, and always moves on.
      let next = last + 1;
      let overlap = 0;
      while (next - 1 > first && overlap + units[next - 1]!.tokens <= options.overlapTokens) overlap += units[--next]!.tokens;
      first = next;
    }
  }
  return chunks;
}

const BOUNDARIES = [/\n[ \t]*\n/g, /\n/g, /[ \t]+/g];

/**
 * [start, end) as pieces of at most `max` tokens, each encoded once: cut at blank lines; a
 * piece still too long is cut at line breaks, then spaces, then characters.
 */
function split(text: string, start: number, end: number, max: number, encoder: TokenCounter, level = 0): Unit[] {
  const boundary = BOUNDARIES[level];
  if (!boundary) return hardSplit(text, start, end, max, encoder);
  const units: Unit[] = [];
  const piece = (from: number, to: number) => {
    const tokens = encoder.count(text.slice(from, to));
    if (tokens <= max) units.push({ start: from, end: to, tokens });
    else units.push(...split(text, from, to, max, encoder, level + 1));
  };
  let from = start;
  boundary.lastIndex = 0;
  for (const match of text.slice(start, end).matchAll(boundary)) {
    const cut = start + match.index + match[0].length;
    if (cut > from && cut < end) {
      piece(from, cut);
      from = cut;
    }
  }
  if (from < end) piece(from, end);
  return units;
}

/** A run with no boundary longer than `max` tokens (minified code, a base64 blob): cut by characters. */
function hardSplit(text: string, start: number, end: number, max: number, encoder: TokenCounter): Unit[] {
  const units: Unit[] = [];
  const step = Math.max(1, max * 2);
  for (let at = start; at < end; at += step) {
    let stop = Math.min(end, at + step);
    // Never between the halves of a surrogate pair.
    if (stop < end && /[\uD800-\uDBFF]/.test(text[stop - 1]!)) stop += 1;
    units.push({ start: at, end: stop, tokens: encoder.count(text.slice(at, stop)) });
    at = stop - step;
  }
  return units;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
