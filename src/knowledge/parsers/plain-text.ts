import type { ParsedDocument } from '../document-section.js';

/** Plain text: one section; the chunker splits it at blank lines, then lines, then words. */
export function parsePlainText(text: string, type = 'text'): ParsedDocument {
  return { type, text, sections: text.trim() ? [{ start: 0, end: text.length, heading: null, page: null }] : [] };
}
