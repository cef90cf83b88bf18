import type { DocumentSection, ParsedDocument } from '../document-section.js';
import { DocumentParseError } from './document-parse-error.js';

/** More pages than this is not a document a knowledge base should take whole. */
const MAX_PAGES = 2_000;

/**
 * A PDF's text, page by page (Mozilla's pdf.js, no rendering, no network, no eval): each
 * page is a section with its page number. An encrypted or corrupt file is a
 * DocumentParseError naming why.
 */
export async function parsePdf(content: Uint8Array): Promise<ParsedDocument> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = pdfjs.getDocument({ data: new Uint8Array(content), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: true });
  let pdf: Awaited<typeof task.promise>;
  try {
    pdf = await task.promise;
  } catch (error) {
    const name = (error as Error).name;
    throw new DocumentParseError(name === 'PasswordException' ? 'the PDF is encrypted (a password is needed)' : `not a readable PDF (${(error as Error).message})`);
  }
  try {
    if (pdf.numPages > MAX_PAGES) throw new DocumentParseError(`the PDF has ${pdf.numPages} pages (at most ${MAX_PAGES})`);
    let text = '';
    const sections: DocumentSection[] = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const page = await pdf.getPage(number);
      const { items } = await page.getTextContent();
      let pageText = '';
      for (const item of items) {
        if (!('str' in item)) continue;
        pageText += item.str + (item.hasEOL ? '\n' : '');
      }
      pageText = pageText.replace(/[ \t]+\n/g, '\n').trim();
      page.cleanup();
      if (!pageText) continue;
      if (text) text += '\n\n';
      sections.push({ start: text.length, end: text.length + pageText.length, heading: null, page: number });
      text += pageText;
    }
    return { type: 'pdf', text, sections };
  } finally {
    await pdf.destroy();
  }
}
