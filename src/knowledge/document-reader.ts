import type { ChunkOptions, DocumentChunk } from './chunk-document.js';
import type { ParsedDocument } from './document-section.js';

/** A source to read: its name, its bytes, its type (else from its name), how to cut it. */
export interface ReadRequest {
  source: string;
  content: Uint8Array;
  type?: string | undefined;
  chunking: ChunkOptions;
}

/** A chunk with its search terms: what a base stores of it, once embedded. */
export interface ReadChunk extends DocumentChunk {
  /** How often each search term occurs in the chunk (its heading included). */
  terms: Map<string, number>;
  /** How many search terms it has (BM25's length). */
  length: number;
}

export interface ReadDocument {
  parsed: ParsedDocument;
  chunks: ReadChunk[];
}

/**
 * Reads sources into their parsed text and chunks. Throws DocumentParseError saying why a
 * source cannot be read (corrupt, not its type, too slow or too large to read); any other
 * error is umca's own. Implementations: in this thread (readDocument), and in worker threads
 * with a time and memory bound per source (WorkerDocumentReader), which the product uses.
 */
export interface DocumentReader {
  read(request: ReadRequest, signal?: AbortSignal): Promise<ReadDocument>;
  close(): Promise<void>;
}
