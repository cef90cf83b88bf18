import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { addKbShape, KB_NAME, searchKbShape } from '../../services/knowledge-input.js';
import { jsonResult, type McpContext } from '../mcp-context.js';

const kb = KB_NAME.describe('the knowledge base (kb_list names them)');

/** kb_search, kb_add, kb_list: adapters over the knowledge service, as the caller (the HTTP API's answers and codes). */
export function registerKnowledgeTools(server: McpServer, context: McpContext): void {
  const knowledge = context.umca.knowledge.for(context.principal);

  server.registerTool(
    'kb_search',
    {
      title: 'Search a knowledge base',
      description:
        "Finds the chunks of a team's documents and code that answer a query: BM25 and vector search fused (or either alone), with filters on source glob, type, tags and time. Each hit carries its citation (kb:<kb>/<doc>#<chunk>), its source, heading or page, its character span and sha256, its text, and each retriever's rank and score.",
      inputSchema: z.strictObject({ kb, ...searchKbShape }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ kb: name, ...input }) => jsonResult({ ...(await knowledge.search(name, input)) }),
  );

  server.registerTool(
    'kb_add',
    {
      title: 'Add documents to a knowledge base',
      description:
        'Adds or replaces sources (Markdown, text, HTML, PDF as base64, code, JSON, YAML) in a knowledge base: each parsed, chunked along its structure, embedded and stored whole. A source given as {url} is fetched by the server where policy grants the caller egress to its host. An unchanged source is skipped; one that cannot be read or fetched is reported with its reason and the rest go in.',
      inputSchema: z.strictObject({ kb, ...addKbShape }),
      // A URL source reaches out to the web.
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ kb: name, ...input }) => jsonResult({ ...(await knowledge.add(name, input)) }),
  );

  server.registerTool(
    'kb_list',
    {
      title: 'Knowledge bases',
      description: 'Every knowledge base the caller may read, with its document and chunk counts and its embedding model.',
      inputSchema: z.strictObject({}),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async () => jsonResult({ data: await knowledge.list() }),
  );
}
