import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { ParsedDocument } from '../document-section.js';

/**
 * HTML: its main content (Mozilla's Readability, the reader view's extractor, over
 * linkedom's DOM), as text; navigation, scripts and styles left out. Pages Readability
 * does not find an article in give their body's text. The document's text is that
 * extracted text, so chunk spans index into what was kept.
 */
export function parseHtml(html: string): ParsedDocument {
  const { document } = parseHTML(html);
  for (const element of Array.from(document.querySelectorAll('script, style, noscript, template')) as Array<{ remove(): void }>) element.remove();
  const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 100 }).parse();
  const title = (article?.title ?? document.querySelector('title')?.textContent ?? '').trim() || null;
  const raw = article?.textContent ?? document.body?.textContent ?? '';
  const text = raw
    .split('\n')
    .map((line: string) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { type: 'html', text, sections: text ? [{ start: 0, end: text.length, heading: title, page: null }] : [] };
}
