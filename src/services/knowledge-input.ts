import { z } from 'zod';

/** The embedding model of a base that keeps no vectors: it is searched by BM25 alone. */
export const NO_EMBEDDINGS = 'none';

/** A knowledge base's name: what `kb:<name>/…` citations and URLs carry. */
export const KB_NAME = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and - (at most 63, starting with a letter or digit)');

export const createKbShape = {
  name: KB_NAME.describe('the new base\'s name'),
  embedding_model: z.string().min(1).max(300).optional().describe("the model its chunks are embedded with (a gateway model reference), or none (no vectors: BM25 alone, nothing to embed); default: knowledge.embedding_model"),
};
export const createKbInput = z.strictObject(createKbShape);
export type CreateKbInput = z.infer<typeof createKbInput>;

/** One source to add: its name (a path, a file name, a URL) and its content, as text or base64. */
export const kbSourceInput = z.strictObject({
  source: z.string().min(1).max(1_000).describe('where it came from (a path relative to where it was added, a file name); the same source replaces what it added before'),
  content: z.string().describe('its content: UTF-8 text, or base64 when encoding is base64 (PDFs)'),
  encoding: z.enum(['utf8', 'base64']).default('utf8'),
  type: z.enum(['markdown', 'text', 'html', 'pdf', 'code', 'json', 'yaml']).optional().describe("how to read it; default: from the source's name"),
  tags: z.array(z.string().min(1).max(100)).max(50).default([]),
});

/** A page or file on the web the server fetches (as the caller: policy must grant egress to its host). */
export const kbUrlInput = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http or https URL' }).max(2_000).describe("an http(s) URL the server fetches, where policy grants the caller egress to its host; the URL is the source's name"),
  type: z.enum(['markdown', 'text', 'html', 'pdf', 'code', 'json', 'yaml']).optional().describe("how to read it; default: from its Content-Type, else its path"),
  tags: z.array(z.string().min(1).max(100)).max(50).default([]),
});

export const addKbShape = {
  documents: z.array(z.union([kbSourceInput, kbUrlInput])).min(1).max(1_000).describe('the sources to add or replace: content given, or a URL to fetch'),
  index_vectors: z.boolean().default(true).describe('build the vector index if the base has grown past knowledge.vector_index_min_chunks; false when more batches follow (the last one builds it, faster than keeping it up meanwhile)'),
};
export const addKbInput = z.strictObject(addKbShape).superRefine(({ documents }, ctx) => {
  // A source names one document: the same one twice in a request would race with itself.
  const first = new Map<string, number>();
  for (const [i, item] of documents.entries()) {
    const name = 'url' in item ? item.url : item.source;
    const seen = first.get(name);
    if (seen === undefined) first.set(name, i);
    else ctx.addIssue({ code: 'custom', path: ['documents', i, 'url' in item ? 'url' : 'source'], message: `${JSON.stringify(name.slice(0, 200))} is also documents[${seen}]` });
  }
});
export type AddKbInput = z.input<typeof addKbInput>;

export const MAX_QUERY_CHARS = 2_000;
export const MAX_K = 100;

export const kbFilterInput = z.strictObject({
  source: z.string().min(1).max(500).optional().describe('a glob the source must match, e.g. docs/**/*.md'),
  type: z.array(z.enum(['markdown', 'text', 'html', 'pdf', 'code', 'json', 'yaml'])).min(1).optional().describe('only these document types'),
  tags: z.array(z.string().min(1).max(100)).min(1).max(50).optional().describe('only documents with every one of these tags'),
  updated_after: z.iso.datetime({ offset: true }).optional().describe('only documents added or changed after this time (ISO 8601)'),
});
export type KbFilter = z.infer<typeof kbFilterInput>;

export const searchKbShape = {
  query: z.string().trim().min(1, 'must not be empty').max(MAX_QUERY_CHARS, `at most ${MAX_QUERY_CHARS} characters`).describe('what to look for, in plain words'),
  k: z.number().int().min(1).max(MAX_K).default(8).describe(`how many chunks (1–${MAX_K})`),
  mode: z.enum(['hybrid', 'bm25', 'dense']).default('hybrid').describe('hybrid (BM25 and vectors, fused), bm25 or dense alone'),
  filter: kbFilterInput.optional(),
};
export const searchKbInput = z.strictObject(searchKbShape);
export type SearchKbInput = z.input<typeof searchKbInput>;
