import { cl100k } from '../core/cl100k.js';
import { draft } from '../core/events.js';
import type { StepScope } from '../engine/step-scope.js';
import type { KbSearchResult } from '../services/knowledge.js';
import type { SearchKbInput } from '../services/knowledge-input.js';
import type { Source } from './sources.js';

/** What the retrieval asks of the knowledge plane: a search, as the run's principal. */
export interface KnowledgeSearch {
  search(name: string, input: SearchKbInput): Promise<KbSearchResult>;
}

/** Hits asked of each base; the token quota then decides how many are kept. */
const CANDIDATES = 24;
const MAX_QUERY_CHARS = 2_000;

/**
 * The retrieval step: the run's knowledge bases searched for its spec, the best chunks kept
 * within a token quota shared between the bases, each a source the research may cite as
 * `kb:<kb>/<doc>#<chunk>` (with its span and text hash on the log, `kb.retrieval`). A base that
 * is gone, refused or failing is logged and skipped: the run goes on without it.
 */
export async function retrieveKnowledge(scope: StepScope, input: { bases: readonly string[]; query: string; search: KnowledgeSearch; quotaTokens: number }): Promise<Source[]> {
  const encoder = await cl100k();
  const query = input.query.slice(0, MAX_QUERY_CHARS);
  const share = Math.floor(input.quotaTokens / Math.max(1, input.bases.length));
  const sources: Source[] = [];
  for (const kb of input.bases) {
    let result: KbSearchResult;
    try {
      result = await input.search.search(kb, { query, k: CANDIDATES });
    } catch (error) {
      const code = (error as { code?: string }).code;
      scope.emit(
        draft('kb.retrieval', 'engine', {
          step: scope.step, kb, status: code === 'forbidden' ? 'denied' : 'unavailable', query_chars: query.length, tokens: 0, chunks: [],
          reason: `${code ?? 'error'}: ${(error as Error).message}`.slice(0, 2_000),
        }),
      );
      continue;
    }
    let tokens = 0;
    const kept = [];
    for (const hit of result.hits) {
      const cost = encoder.count(hit.text);
      if (tokens + cost > share) continue;
      tokens += cost;
      kept.push(hit);
      sources.push({ id: hit.citation, content: hit.text, sha256: hit.sha256 });
    }
    scope.emit(
      draft('kb.retrieval', 'engine', {
        step: scope.step, kb, status: 'ok', query_chars: query.length, tokens,
        chunks: kept.map((h) => ({ citation: h.citation, doc_id: h.doc_id, ord: h.ord, source: h.source, start: h.start, end: h.end, sha256: h.sha256, score: h.score })),
      }),
    );
  }
  return sources;
}
