import { createHash } from 'node:crypto';
import type { Principal } from '../core/principal.js';
import type { RepoOptions } from '../core/run-options.js';
import { documentType } from '../knowledge/parse-document.js';
import type { Repositories } from '../repo/repositories.js';
import type { KnowledgeStore } from '../store/knowledge-store.js';
import { emptyKbReport, addKbReport } from './kb-add-report.js';
import { NO_EMBEDDINGS } from './knowledge-input.js';
import type { KbAddReport, KnowledgeBases } from './knowledge.js';

/**
 * Who keeps repositories' indexes: umca itself, as an admin, for a repository the run's
 * principal was let use (use-repo, at the run's door). A policy can name it
 * (`Umca::User::"umca-repo-index"`).
 */
export const REPO_INDEX_PRINCIPAL: Principal = Object.freeze({ id: 'user:umca-repo-index', roles: ['admin'], via: 'local' }) as Principal;

/** Lockfiles and the like: large, generated, and nothing a ticket's research cites. */
const GENERATED = /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|poetry\.lock|Pipfile\.lock|go\.sum|composer\.lock)$|\.min\.(js|css)$/;
/** Sources one add takes (the knowledge service batches its writes inside). */
const ADD_SOURCES = 256;

export interface RepositoryIndexDeps {
  knowledge: { for(principal: Principal): KnowledgeBases };
  store: Pick<KnowledgeStore, 'getKnowledgeBase' | 'createKnowledgeBase' | 'setKbRevision'>;
  repositories: Pick<Repositories, 'listBase' | 'readBaseMany' | 'changedSince'>;
  /** Files larger than this are not indexed (knowledge.max_document_bytes). */
  maxFileBytes: number;
}

export interface RepositoryIndexResult {
  kb: string;
  /** The index was at the run's commit already: nothing was read. */
  reused: boolean;
  /** The commit it was brought from (null: built from nothing). */
  from: string | null;
  report: KbAddReport;
  removed: number;
}

/**
 * A repository's code as a knowledge base, kept in step with the commits runs work on: one
 * base per repository (`repo-<hash of its source>`), BM25 alone (no embeddings to compute),
 * code cut at its functions and classes by the knowledge plane's parsers. A run at the
 * commit the base is at reuses it as it is; a run at another commit adds what changed since
 * (unchanged files are skipped by their hash) and removes what went. Its chunks are cited
 * like any base's (`kb:repo-…/<doc>#<chunk>`), and reading the base asks `use-repo` on the
 * repository.
 */
export class RepositoryIndex {
  constructor(private readonly deps: RepositoryIndexDeps) {}

  static baseName(source: string): string {
    return `repo-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`;
  }

  async update(repo: RepoOptions, options: { signal?: AbortSignal } = {}): Promise<RepositoryIndexResult> {
    const { store, repositories } = this.deps;
    const kb = RepositoryIndex.baseName(repo.source);
    const bases = this.deps.knowledge.for(REPO_INDEX_PRINCIPAL);
    const base =
      (await store.getKnowledgeBase(kb)) ??
      (await store.createKnowledgeBase({ name: kb, embedding_model: NO_EMBEDDINGS, dimensions: 0, created_by: REPO_INDEX_PRINCIPAL.id, origin: repo.source }).catch(async (error: { code?: string }) => {
        // Another run made it meanwhile.
        if (error.code === 'kb_exists') return (await store.getKnowledgeBase(kb))!;
        throw error;
      }));
    const report = emptyKbReport(kb);
    report.vector_index = 'none';
    if (base.revision === repo.commit) return { kb, reused: true, from: base.revision, report, removed: 0 };

    const entries = new Map((await repositories.listBase(repo)).map((e) => [e.path, e]));
    const indexable = (path: string) => {
      const entry = entries.get(path);
      return entry !== undefined && (entry.kind === 'file' || entry.kind === 'executable') && entry.size <= this.deps.maxFileBytes && !GENERATED.test(path) && documentType(path) !== undefined;
    };
    const since = base.revision ? await repositories.changedSince(repo, base.revision) : undefined;
    const toAdd = (since ? since.changed : [...entries.keys()]).filter(indexable);
    // Files gone since, or no longer indexable (grown too large, become a link); built again
    // from a commit the repository no longer has, whatever the base holds that is not there now.
    const toRemove = since
      ? [...since.removed, ...since.changed.filter((path) => !indexable(path))]
      : base.documents > 0
        ? (await bases.show(kb)).documents.map((d) => d.source).filter((source) => !indexable(source))
        : [];
    for (let i = 0; i < toAdd.length; i += ADD_SOURCES) {
      options.signal?.throwIfAborted();
      const files = await repositories.readBaseMany(repo, toAdd.slice(i, i + ADD_SOURCES));
      const documents = files.flatMap(({ path, file }) => (file.binary ? [] : [{ source: path, content: file.text }]));
      if (documents.length) addKbReport(report, await bases.add(kb, { documents, index_vectors: false }, options.signal ? { signal: options.signal } : {}));
    }
    let removed = 0;
    for (const path of toRemove) {
      const gone = await bases.removeDocument(kb, path).then(() => true, (error: { code?: string }) => (error.code === 'kb_document_not_found' ? false : Promise.reject(error)));
      if (gone) removed += 1;
    }
    report.vector_index = 'none';
    await store.setKbRevision(kb, repo.commit);
    return { kb, reused: false, from: since ? base.revision : null, report, removed };
  }
}
