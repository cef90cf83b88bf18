import type { Heading, RootContent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { toString } from 'mdast-util-to-string';
import type { DocumentSection, ParsedDocument } from '../document-section.js';

/**
 * micromark's inline constructs: the blocks (and so where each heading is) do not depend on
 * them, and parsing a document without them takes about half the time. A heading's own line
 * is then parsed whole for its title.
 */
const INLINE_CONSTRUCTS = [
  'attention', 'autolink', 'characterEscape', 'characterReference', 'codeText', 'hardBreakEscape', 'htmlText', 'labelEnd', 'labelStartImage', 'labelStartLink',
];
const BLOCKS_ONLY = { extensions: [{ disable: { null: INLINE_CONSTRUCTS } }] };

/** Markdown, split at its headings (CommonMark, by micromark): each section keeps the path of headings above it. */
export function parseMarkdown(text: string): ParsedDocument {
  const tree = fromMarkdown(text, BLOCKS_ONLY);
  const sections: DocumentSection[] = [];
  const path: Array<{ depth: number; title: string }> = [];
  let start = 0;
  let heading: string | null = null;
  const close = (end: number) => {
    if (end > start && text.slice(start, end).trim()) sections.push({ start, end, heading, page: null });
  };
  for (const node of tree.children as RootContent[]) {
    if (node.type !== 'heading') continue;
    const at = node.position?.start.offset ?? start;
    close(at);
    const { depth } = node as Heading;
    const title = toString(fromMarkdown(text.slice(at, node.position?.end.offset ?? at))).trim().slice(0, 200);
    while (path.length && path.at(-1)!.depth >= depth) path.pop();
    path.push({ depth, title });
    heading = path.map((h) => h.title).join(' > ');
    start = at;
  }
  close(text.length);
  return { type: 'markdown', text, sections };
}
