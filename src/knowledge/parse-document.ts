import type { ParsedDocument } from './document-section.js';
import { DocumentParseError } from './parsers/document-parse-error.js';
import { parseHtml } from './parsers/html.js';
import { parseMarkdown } from './parsers/markdown.js';
import { parsePdf } from './parsers/pdf.js';
import { parsePlainText } from './parsers/plain-text.js';
import { isSourceCode, parseSourceCode } from './parsers/source-code.js';
import { parseStructuredData } from './parsers/structured-data.js';

export { DocumentParseError };

/** The types a knowledge base reads, by what their names end with. */
export function documentType(source: string): string | undefined {
  const name = source.toLowerCase();
  if (/\.(?:md|markdown|mdx)$/.test(name)) return 'markdown';
  if (/\.(?:html?|xhtml)$/.test(name)) return 'html';
  if (name.endsWith('.pdf')) return 'pdf';
  if (name.endsWith('.json')) return 'json';
  if (/\.ya?ml$/.test(name)) return 'yaml';
  if (/\.(?:txt|text|rst|adoc|csv|log)$/.test(name) || /(?:^|\/)(?:readme|license|changelog|notice)$/.test(name)) return 'text';
  if (isSourceCode(name)) return 'code';
  return undefined;
}

/**
 * Reads one document into its text and sections, by its type (or its name's). Throws a
 * DocumentParseError saying why when it cannot: not UTF-8 text, a corrupt or encrypted PDF,
 * JSON or YAML that does not parse, a type it does not read.
 */
export async function parseDocument(source: string, content: Uint8Array, type = documentType(source)): Promise<ParsedDocument> {
  if (type === undefined) throw new DocumentParseError('not a type a knowledge base reads (Markdown, text, HTML, PDF, code, JSON, YAML)');
  if (type === 'pdf') return parsePdf(content);
  const text = decodeText(content);
  switch (type) {
    case 'markdown':
      return parseMarkdown(text);
    case 'html':
      return parseHtml(text);
    case 'json':
    case 'yaml':
      return parseStructuredData(type, text);
    case 'code':
      return parseSourceCode(source, text);
    case 'text':
      return parsePlainText(text);
    default:
      throw new DocumentParseError(`unknown document type "${type}"`);
  }
}

function decodeText(content: Uint8Array): string {
  if (content.includes(0)) throw new DocumentParseError('binary content (a NUL byte), not text');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content).replace(/^\uFEFF/, '');
  } catch {
    throw new DocumentParseError('not UTF-8 text');
  }
}
