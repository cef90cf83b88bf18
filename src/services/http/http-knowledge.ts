import { addKbReport, emptyKbReport } from '../kb-add-report.js';
import type { KbChunkRecord, KbDocumentRecord, KnowledgeBaseRecord } from '../../store/knowledge-store.js';
import type { AddKbInput, CreateKbInput, SearchKbInput } from '../knowledge-input.js';
import type { KbAddReport, KbJob, KbProgress, KbSearchResult, KnowledgeBases } from '../knowledge.js';
import type { UmcaHttpClient } from './umca-http-client.js';

const path = (name: string, rest = '') => `/v1/kb/${encodeURIComponent(name)}${rest}`;

/** The knowledge bases of a running `umca serve`, over `/v1/kb`: an add goes one source a request, so progress shows and no body grows past the server's limit. */
export class HttpKnowledge implements KnowledgeBases {
  constructor(private readonly http: UmcaHttpClient) {}

  create(input: CreateKbInput): Promise<KnowledgeBaseRecord> {
    return this.http.json('POST', '/v1/kb', input);
  }

  async list(): Promise<KnowledgeBaseRecord[]> {
    return (await this.http.json<{ data: KnowledgeBaseRecord[] }>('GET', '/v1/kb')).data;
  }

  show(name: string): Promise<{ base: KnowledgeBaseRecord; documents: KbDocumentRecord[] }> {
    return this.http.json('GET', path(name));
  }

  async remove(name: string): Promise<void> {
    await this.http.json('DELETE', path(name));
  }

  async add(name: string, input: AddKbInput, options: { onProgress?: (progress: KbProgress) => void; signal?: AbortSignal } = {}): Promise<KbAddReport> {
    const total = emptyKbReport(name);
    for (const [i, document] of input.documents.entries()) {
      options.signal?.throwIfAborted();
      options.onProgress?.({ done: i, total: input.documents.length, source: 'url' in document ? document.url : document.source });
      const last = i === input.documents.length - 1;
      addKbReport(total, await this.http.json<KbAddReport>('POST', path(name, '/documents'), { documents: [document], index_vectors: last && input.index_vectors !== false }));
    }
    options.onProgress?.({ done: input.documents.length, total: input.documents.length, source: '' });
    return total;
  }

  async reindex(name: string, options: { onProgress?: (progress: KbProgress) => void } = {}): Promise<KbAddReport> {
    options.onProgress?.({ done: 0, total: 1, source: '(reindexing on the server)' });
    const report = await this.http.json<KbAddReport>('POST', path(name, '/reindex'), {});
    options.onProgress?.({ done: 1, total: 1, source: '' });
    return report;
  }

  startIngest(name: string, input: AddKbInput): Promise<KbJob> {
    return this.http.json('POST', path(name, '/jobs'), input);
  }

  job(name: string, id: string): Promise<KbJob> {
    return this.http.json('GET', path(name, `/jobs/${encodeURIComponent(id)}`));
  }

  async removeDocument(name: string, source: string): Promise<void> {
    await this.http.json('POST', path(name, '/documents/remove'), { source });
  }

  search(name: string, input: SearchKbInput): Promise<KbSearchResult> {
    return this.http.json('POST', path(name, '/search'), input);
  }

  chunk(name: string, docId: string, ord: number): Promise<KbChunkRecord> {
    return this.http.json('GET', path(name, `/chunks/${encodeURIComponent(docId)}/${ord}`));
  }
}
