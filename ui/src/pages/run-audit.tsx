import { download } from '../api.js';
import { ErrorBox } from '../components/error-box.js';
import { EventLog } from '../components/event-log.js';
import { useApi } from '../hooks.js';
import { Link } from '../router.js';

interface Verification {
  ok: boolean;
  events: number;
  head?: string;
  broken_seq?: number;
  reason?: string;
}

/** A run's audit: its hash chain re-computed by the server, and the raw log it was computed from. */
export function RunAudit({ id }: { id: string }) {
  const verify = useApi<Verification>(`/v1/runs/${id}/verify`);
  const log = useApi<string>(`/v1/runs/${id}/log`);
  const lines = typeof log.data === 'string' ? log.data.split('\n').filter(Boolean) : [];
  return (
    <main className="page">
      <p><Link to={`/runs/${id}`}>← run {id.slice(0, 8)}</Link></p>
      <h1>Audit</h1>
      <ErrorBox error={verify.error ?? log.error} />
      {verify.data && (
        <section className={`verify ${verify.data.ok ? 'verify-ok' : 'verify-broken'}`} aria-label="hash chain">
          {verify.data.ok ? (
            <p>
              <strong>✓ Chain intact:</strong> {verify.data.events} events, head <code className="hash">{verify.data.head}</code>
            </p>
          ) : (
            <p>
              <strong>✗ Chain broken at seq {verify.data.broken_seq}:</strong> {verify.data.reason}
            </p>
          )}
          <p className="hint">Each event's hash covers its content and the previous hash (umca-events v2); anyone can re-compute it with <code>npx umca verify {id}</code>.</p>
        </section>
      )}
      <div className="row">
        <h2 className="grow">Event log ({lines.length} events, JSON lines)</h2>
        <button type="button" onClick={() => void download(`/v1/runs/${id}/log`, `umca-run-${id}.jsonl`)}>Download .jsonl</button>
      </div>
      {log.loading ? <p aria-busy="true">Loading…</p> : <EventLog lines={lines} />}
    </main>
  );
}
