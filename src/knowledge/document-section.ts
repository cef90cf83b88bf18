/**
 * A stretch of a document's text that belongs together (a Markdown section, a function, a
 * top-level JSON key, a PDF page): the chunker splits sections, never joins across them.
 * Offsets are UTF-16 indexes into the document's text, end exclusive.
 */
export interface DocumentSection {
  start: number;
  end: number;
  /** Where the section sits: headings joined with " > ", a function's name, a JSON key. */
  heading: string | null;
  page: number | null;
}

/** A document as parsed: the text that chunks' spans index into, and its sections in order. */
export interface ParsedDocument {
  /** `markdown`, `text`, `html`, `code`, `json`, `yaml`. */
  type: string;
  text: string;
  sections: DocumentSection[];
  /** The language of a code file (`typescript`, `python`, …), when known. */
  language?: string;
}
