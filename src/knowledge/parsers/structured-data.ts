import { isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import type { DocumentSection, ParsedDocument } from '../document-section.js';
import { DocumentParseError } from './document-parse-error.js';

/**
 * JSON or YAML, split at its top-level keys (the `yaml` library reads both, with source
 * ranges): each section is one key and its value, named after the key. A document that
 * is not a mapping is one section.
 */
export function parseStructuredData(type: 'json' | 'yaml', text: string): ParsedDocument {
  const document = parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: false });
  const error = document.errors[0];
  if (error) throw new DocumentParseError(`not valid ${type.toUpperCase()}: ${error.message.split('\n')[0]}`);
  const sections: DocumentSection[] = [];
  if (isMap(document.contents)) {
    const items = document.contents.items.filter(isPair);
    for (const [i, pair] of items.entries()) {
      const key = isScalar(pair.key) ? String(pair.key.value) : null;
      const start = i === 0 ? 0 : ((pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0);
      const next = items[i + 1]?.key as { range?: [number, number, number] } | null | undefined;
      const end = next?.range?.[0] ?? text.length;
      if (end > start) sections.push({ start, end, heading: key, page: null });
    }
  }
  if (sections.length === 0 && text.trim()) sections.push({ start: 0, end: text.length, heading: null, page: null });
  return { type, text, sections };
}
