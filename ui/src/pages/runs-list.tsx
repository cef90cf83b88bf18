import { useEffect, useState } from 'react';
import { ErrorBox } from '../components/error-box.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatMs, formatTime, formatUsd } from '../format.js';
import { useApi } from '../hooks.js';
import { Link, navigate, useLocation } from '../router.js';
import type { RunListItem } from '../types.js';

const STATUSES = ['', 'created', 'running', 'completed', 'failed', 'blocked', 'cancelled'];
const PAGE = 20;

/** Every run, newest first: filter by status, search the specs, page through. */
export function RunsList() {
  const { query } = useLocation();
  const status = query.get('status') ?? '';
  const q = query.get('q') ?? '';
  const before = query.get('before') ?? '';
  const [search, setSearch] = useState(q);
  const [pages, setPages] = useState<string[]>([]);
  const params = new URLSearchParams({ limit: String(PAGE), ...(status ? { status } : {}), ...(q ? { q } : {}), ...(before ? { before } : {}) });
  const runs = useApi<{ data: RunListItem[]; next: string | null }>(`/v1/runs?${params}`);

  // Searching as one types, a moment after the last key.
  useEffect(() => {
    if (search === q) return undefined;
    const timer = setTimeout(() => go({ q: search, before: '' }), 300);
    return () => clearTimeout(timer);
  });

  function go(change: Record<string, string>) {
    const next = new URLSearchParams({ ...(status ? { status } : {}), ...(q ? { q } : {}), ...(before ? { before } : {}), ...change });
    for (const [key, value] of [...next]) if (!value) next.delete(key);
    if (!('before' in change)) setPages([]);
    navigate(`/runs${next.size ? `?${next}` : ''}`, { replace: true });
  }

  return (
    <main className="page">
      <h1>Runs</h1>
      <div className="row filters">
        <label>
          Status
          <select value={status} onChange={(e) => go({ status: e.target.value, before: '' })}>
            {STATUSES.map((s) => <option key={s} value={s}>{s || 'any'}</option>)}
          </select>
        </label>
        <label className="grow">
          Search the specs
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="slugify, ISO-8601…" />
        </label>
      </div>
      <ErrorBox error={runs.error} />
      <table className="runs" aria-busy={runs.loading}>
        <thead>
          <tr>
            <th scope="col">status</th>
            <th scope="col">spec</th>
            <th scope="col">model</th>
            <th scope="col">created</th>
            <th scope="col">duration</th>
            <th scope="col">cost</th>
          </tr>
        </thead>
        <tbody>
          {runs.data?.data.map((run) => (
            <tr key={run.id}>
              <td><StatusBadge status={run.status} /></td>
              <td className="spec-cell"><Link to={`/runs/${run.id}`}>{run.spec.replace(/\s+/g, ' ').slice(0, 90)}{run.spec.length > 90 ? '…' : ''}</Link></td>
              <td>{run.model}</td>
              <td>{formatTime(run.created_at)}</td>
              <td>{formatMs(run.duration_ms)}</td>
              <td>{formatUsd(run.cost_usd)}</td>
            </tr>
          ))}
          {runs.data && runs.data.data.length === 0 && (
            <tr><td colSpan={6} className="hint">No runs{status || q ? ' match' : ' yet'}.</td></tr>
          )}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={pages.length === 0} onClick={() => { const prior = pages.slice(0, -1); setPages(prior); go({ before: prior.at(-1) ?? '' }); }}>
          ← Newer
        </button>
        <button type="button" disabled={!runs.data?.next} onClick={() => { setPages([...pages, runs.data!.next!]); go({ before: runs.data!.next! }); }}>
          Older →
        </button>
      </nav>
    </main>
  );
}
