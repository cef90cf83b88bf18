import type { KbSearchResult } from '../services/knowledge.js';
import type { Tool, ToolOutput } from '../tools/tool.js';
import { ToolError } from '../tools/tool-error.js';
import type { KnowledgeSearch } from './retrieve-knowledge.js';

/** The tool's name: `umca.kb_search` (offered to models as `umca__kb_search`). */
export const KB_SEARCH_TOOL = 'umca.kb_search';
const MAX_QUERY_CHARS = 2_000;
const MAX_K = 10;

/**
 * The run's knowledge bases as a tool for its agents (planner, researcher, coder): a query
 * searches them as the run's principal, and each chunk found comes back as a source the
 * research may cite by `kb:<kb>/<doc>#<chunk>`, with its sha256 for G2 to check the quote
 * against. Only the bases the run named are searchable.
 */
export function knowledgeTool(bases: readonly string[], search: KnowledgeSearch): Tool {
  return {
    name: KB_SEARCH_TOOL,
    server: 'umca',
    description: `Search this run's knowledge bases (${bases.join(', ')}) for passages; cite a passage by its source id`,
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, maxLength: MAX_QUERY_CHARS, description: 'what to look for' },
        kb: { type: 'string', enum: [...bases], description: 'one base only (default: all of them)' },
        k: { type: 'integer', minimum: 1, maximum: MAX_K, description: `passages per base (default 5, at most ${MAX_K})` },
      },
      required: ['query'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
    availability: () => ({ available: true }),
    async call(args): Promise<ToolOutput> {
      const { query, kb, k = 5 } = args as { query?: unknown; kb?: unknown; k?: unknown };
      if (typeof query !== 'string' || query.trim() === '' || query.length > MAX_QUERY_CHARS) throw new ToolError('invalid_arguments', `query: a non-empty string of at most ${MAX_QUERY_CHARS} characters`);
      if (kb !== undefined && (typeof kb !== 'string' || !bases.includes(kb))) throw new ToolError('invalid_arguments', `kb: one of ${bases.join(', ')}`);
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_K) throw new ToolError('invalid_arguments', `k: a whole number from 1 to ${MAX_K}`);
      const results: KbSearchResult[] = [];
      const problems: string[] = [];
      for (const name of kb === undefined ? bases : [kb]) {
        try {
          results.push(await search.search(name, { query, k }));
        } catch (error) {
          problems.push(`${name}: ${(error as Error).message}`);
        }
      }
      const hits = results.flatMap((r) => r.hits);
      if (hits.length === 0 && problems.length > 0) throw new ToolError('error', `no knowledge base could be searched: ${problems.join('; ')}`);
      const text = [
        ...hits.map((h) => `<source id="${h.citation}" file="${h.source}"${h.heading ? ` heading="${h.heading.replaceAll('"', "'")}"` : ''}${h.page === null ? '' : ` page="${h.page}"`}>\n${h.text}\n</source>`),
        ...(hits.length === 0 ? ['No passage matches.'] : []),
        ...problems.map((p) => `(not searched: ${p})`),
      ].join('\n\n');
      return { text, isError: false, sizeBytes: Buffer.byteLength(text), sources: hits.map((h) => ({ id: h.citation, content: h.text, sha256: h.sha256 })) };
    },
  };
}
