import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { ErrorBox } from '../components/error-box.js';
import { KbChunkViewer } from '../components/kb-chunk-viewer.js';
import { formatTime } from '../format.js';
import { useApi } from '../hooks.js';
import { Link } from '../router.js';
import type { KbDocumentRecord, KbHit, KbSearchResult, KnowledgeBaseRecord } from '../types.js';

const MODES = ['hybrid', 'bm25', 'dense'] as const;

/** One knowledge base: its documents, and a search playground that shows what each retriever scored. */
export function KbPage({ name }: { name: string }) {
  const shown = useApi<{ base: KnowledgeBaseRecord; documents: KbDocumentRecord[] }>(`/v1/kb/${encodeURIComponent(name)}`);
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<(typeof MODES)[number]>('hybrid');
  const [k, setK] = useState(8);
  const [result, setResult] = useState<KbSearchResult>();
  const [searching, setSearching] = useState(false);
  const [problem, setProblem] = useState<unknown>();
  const [open, setOpen] = useState<KbHit>();

  async function search(event: FormEvent) {
    event.preventDefault();
    setSearching(true);
    setProblem(undefined);
    try {
      setResult(await api<KbSearchResult>(`/v1/kb/${encodeURIComponent(name)}/search`, { body: { query, k, mode } }));
      setOpen(undefined);
    } catch (error) {
      setProblem(error);
    } finally {
      setSearching(false);
    }
  }

  const base = shown.data?.base;
  return (
    <main className="page">
      <p><Link to="/kb">← Knowledge bases</Link></p>
      <h1>{name}</h1>
      <ErrorBox error={shown.error} />
      {base && (
        <dl className="facts">
          <div><dt>documents</dt><dd>{base.documents}</dd></div>
          <div><dt>chunks</dt><dd>{base.chunks}</dd></div>
          <div><dt>embedding model</dt><dd>{base.embedding_model} ({base.dimensions} dimensions)</dd></div>
          <div><dt>created</dt><dd>{formatTime(base.created_at)} by {base.created_by}</dd></div>
        </dl>
      )}

      <section aria-labelledby="playground">
        <h2 id="playground">Search playground</h2>
        <form className="row" onSubmit={search}>
          <label className="grow">
            Query
            <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} required maxLength={2_000} placeholder="what a run would ask" />
          </label>
          <label>
            Mode
            <select value={mode} onChange={(e) => setMode(e.target.value as (typeof MODES)[number])}>
              {MODES.map((m) => <option key={m} value={m}>{m}</option>)}
            </select>
          </label>
          <label>
            Chunks
            <input type="number" min={1} max={100} value={k} onChange={(e) => setK(Number(e.target.value))} />
          </label>
          <div className="actions"><button type="submit" disabled={searching || !query.trim()}>{searching ? 'Searching…' : 'Search'}</button></div>
        </form>
        <ErrorBox error={problem} />
        {result && (
          <table className="runs kb-hits" aria-label="Search results">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">chunk</th>
                <th scope="col">{result.mode === 'hybrid' ? 'fused (RRF)' : 'score'}</th>
                <th scope="col">BM25</th>
                <th scope="col">dense</th>
              </tr>
            </thead>
            <tbody>
              {result.hits.map((hit, i) => (
                <tr key={hit.citation} aria-selected={open?.citation === hit.citation}>
                  <td>{i + 1}</td>
                  <td className="spec-cell">
                    <button type="button" className="file" onClick={() => setOpen(hit)}>{hit.source}{hit.heading ? ` › ${hit.heading}` : ''}{hit.page ? ` (p. ${hit.page})` : ''}</button>
                    <div className="hint">{hit.text.replace(/\s+/g, ' ').slice(0, 160)}{hit.text.length > 160 ? '…' : ''}</div>
                  </td>
                  <td>{hit.score.toFixed(4)}</td>
                  <td>{retriever(hit.scores.bm25)}</td>
                  <td>{retriever(hit.scores.dense)}</td>
                </tr>
              ))}
              {result.hits.length === 0 && <tr><td colSpan={5} className="hint">Nothing matches.</td></tr>}
            </tbody>
          </table>
        )}
        {open && <KbChunkViewer kb={name} hit={open} onClose={() => setOpen(undefined)} />}
      </section>

      <section aria-labelledby="documents">
        <h2 id="documents">Documents</h2>
        <table className="runs" aria-busy={shown.loading}>
          <thead>
            <tr>
              <th scope="col">source</th>
              <th scope="col">type</th>
              <th scope="col">chunks</th>
              <th scope="col">tags</th>
              <th scope="col">updated</th>
            </tr>
          </thead>
          <tbody>
            {shown.data?.documents.map((d) => (
              <tr key={d.id}>
                <td title={`sha256 ${d.sha256}`}>{d.source}</td>
                <td>{d.type}</td>
                <td>{d.chunks}</td>
                <td>{d.tags.join(', ')}</td>
                <td>{formatTime(d.updated_at)}</td>
              </tr>
            ))}
            {shown.data && shown.data.documents.length === 0 && <tr><td colSpan={5} className="hint">No documents yet: <code>umca kb add {name} PATH…</code></td></tr>}
          </tbody>
        </table>
      </section>
    </main>
  );
}

/** A retriever's rank and score for a hit, or a dash where it did not find it. */
function retriever(found: { rank: number; score: number } | undefined): string {
  return found ? `#${found.rank} · ${found.score.toFixed(3)}` : '—';
}
