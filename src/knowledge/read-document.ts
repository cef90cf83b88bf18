import { chunkDocument, type ChunkOptions } from './chunk-document.js';
import type { ParsedDocument } from './document-section.js';
import type { DocumentReader, ReadChunk, ReadDocument, ReadRequest } from './document-reader.js';
import { parseDocument } from './parse-document.js';
import { searchTerms, termFrequencies } from './tokenize.js';

/** A parsed document cut into chunks, each with its search terms. */
export async function cutDocument(parsed: ParsedDocument, chunking: ChunkOptions): Promise<ReadChunk[]> {
  const chunks = await chunkDocument(parsed, chunking);
  return chunks.map((chunk) => {
    const terms = searchTerms(`${chunk.heading ?? ''}\n${chunk.text}`);
    return { ...chunk, terms: termFrequencies(terms), length: terms.length };
  });
}

/** Parses a source and cuts it, in this thread. */
export async function readDocument(request: ReadRequest): Promise<ReadDocument> {
  const parsed = await parseDocument(request.source, request.content, request.type);
  return { parsed, chunks: await cutDocument(parsed, request.chunking) };
}

/** The reader in this thread: no bound on a source's time or memory (tests, tools; the product reads in workers). */
export const inThreadReader: DocumentReader = {
  read: async (request, signal) => {
    signal?.throwIfAborted();
    return readDocument(request);
  },
  close: async () => undefined,
};
