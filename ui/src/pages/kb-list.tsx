import { ErrorBox } from '../components/error-box.js';
import { formatTime } from '../format.js';
import { useApi } from '../hooks.js';
import { Link } from '../router.js';
import type { KnowledgeBaseRecord } from '../types.js';

/** The knowledge bases the caller may read, with what they hold. */
export function KbList() {
  const bases = useApi<{ data: KnowledgeBaseRecord[] }>('/v1/kb');
  return (
    <main className="page">
      <h1>Knowledge bases</h1>
      <p className="hint">Made and filled with <code>umca kb create NAME</code> and <code>umca kb add NAME PATH…</code>; runs search them with <code>--kb NAME</code>.</p>
      <ErrorBox error={bases.error} />
      <table className="runs" aria-busy={bases.loading}>
        <thead>
          <tr>
            <th scope="col">name</th>
            <th scope="col">documents</th>
            <th scope="col">chunks</th>
            <th scope="col">embedding model</th>
            <th scope="col">created</th>
          </tr>
        </thead>
        <tbody>
          {bases.data?.data.map((kb) => (
            <tr key={kb.name}>
              <td><Link to={`/kb/${encodeURIComponent(kb.name)}`}>{kb.name}</Link></td>
              <td>{kb.documents}</td>
              <td>{kb.chunks}</td>
              <td>{kb.embedding_model} ({kb.dimensions} dimensions)</td>
              <td>{formatTime(kb.created_at)}</td>
            </tr>
          ))}
          {bases.data && bases.data.data.length === 0 && (
            <tr><td colSpan={5} className="hint">No knowledge base yet.</td></tr>
          )}
        </tbody>
      </table>
    </main>
  );
}
