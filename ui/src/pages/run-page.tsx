import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api.js';
import { useSession } from '../app.js';
import { ArtifactBrowser } from '../components/artifact-browser.js';
import { ChangeView } from '../components/change-view.js';
import { ErrorBox } from '../components/error-box.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatMs, formatTime, formatUsd } from '../format.js';
import { useApi } from '../hooks.js';
import { Link } from '../router.js';
import { applyEvents, emptyRun } from '../run-model.js';
import { Timeline } from '../components/timeline.js';
import { followRun, type StreamState } from '../run-stream.js';
import type { RunEvent } from '../types.js';
import { FINAL } from '../types.js';

interface RunDetail {
  id: string;
  status: string;
  model: string;
  created_at: string;
  updated_at: string;
  reason: string | null;
  cost_usd: number;
  artifacts: Array<{ path: string; size: number; sha256: string }>;
}

/** A run, live: its steps as they happen, how it ended, its files; cancel and override. */
export function RunPage({ id }: { id: string }) {
  const { me } = useSession();
  const [view, setView] = useState(emptyRun);
  const [stream, setStream] = useState<{ state: StreamState; detail?: string }>({ state: 'connecting' });
  const detail = useApi<RunDetail>(`/v1/runs/${id}`, [view.status]);
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState('');
  const overrideRef = useRef<HTMLDialogElement>(null);

  // The stream ends with the run's final event; an override reopens the run, so it is followed again from there.
  const [generation, setGeneration] = useState(0);
  const lastSeq = useRef(0);
  const shownRun = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (shownRun.current !== id) {
      shownRun.current = id;
      lastSeq.current = 0;
      setView(emptyRun());
    }
    // Events are folded in once a frame, however fast they come (a long run's backlog is thousands).
    let pending: RunEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setView((current) => applyEvents(current, batch));
    };
    const stop = followRun(
      id,
      {
        onEvent: (event) => {
          lastSeq.current = event.seq;
          pending.push(event);
          frame ||= requestAnimationFrame(flush);
        },
        onState: (state, why) => setStream({ state, ...(why ? { detail: why } : {}) }),
      },
      { afterSeq: lastSeq.current },
    );
    return () => {
      stop();
      cancelAnimationFrame(frame);
    };
  }, [id, generation]);

  const cancel = async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      await api(`/v1/runs/${id}/cancel`, { body: {} });
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };
  const override = async () => {
    setActionError(undefined);
    try {
      await api(`/v1/runs/${id}/override`, { body: { reason } });
      overrideRef.current?.close();
      setReason('');
      setGeneration((g) => g + 1);
    } catch (error) {
      setActionError(error);
    }
  };

  // A run id that does not exist is said so, not shown as a run waiting to start.
  if (detail.error instanceof ApiError && detail.error.status === 404 && view.events === 0) {
    return (
      <main className="page run">
        <h1>No run <code>{id.slice(0, 8)}</code></h1>
        <p role="alert">There is no run with the id <code>{id}</code>. <Link to="/runs">See all runs</Link>.</p>
      </main>
    );
  }
  const final = FINAL.has(view.status);
  return (
    <main className="page run">
      <div className="run-head">
        <h1>
          Run <code>{id.slice(0, 8)}</code> <StatusBadge status={view.status} />
        </h1>
        <p className={`stream stream-${stream.state}`} role="status" aria-live="polite">
          {stream.state === 'live' ? '● live' : stream.state === 'reconnecting' ? '↻ reconnecting…' : stream.state === 'connecting' ? 'connecting…' : stream.detail ? stream.detail : 'ended'}
        </p>
      </div>
      <dl className="facts" data-events={view.events}>
        <div><dt>model</dt><dd>{view.model || detail.data?.model}{view.scripted ? ' (replies are scripted, not from a real model)' : ''}</dd></div>
        {detail.data && <div><dt>created</dt><dd>{formatTime(detail.data.created_at)}</dd></div>}
        {detail.data && final && <div><dt>took</dt><dd>{formatMs(Date.parse(detail.data.updated_at) - Date.parse(detail.data.created_at))}</dd></div>}
        {detail.data && <div><dt>cost</dt><dd>{formatUsd(detail.data.cost_usd)}</dd></div>}
        {view.principal && <div><dt>by</dt><dd>{view.principal}</dd></div>}
        <div><dt>events</dt><dd>{view.events} <Link to={`/runs/${id}/audit`}>audit and verify</Link></dd></div>
      </dl>
      <details className="spec" open={view.steps.length === 0}>
        <summary>spec</summary>
        <p className="spec-text">{view.spec}</p>
      </details>
      <div className="actions">
        {!final && (
          <button type="button" onClick={cancel} disabled={busy}>
            {busy ? 'Cancelling…' : 'Cancel run'}
          </button>
        )}
        {view.status === 'blocked' && (
          <button type="button" onClick={() => overrideRef.current?.showModal()} disabled={!me.can.override.allowed} title={me.can.override.allowed ? undefined : `not allowed for you (${me.can.override.why})`}>
            Override block…
          </button>
        )}
        {view.status === 'blocked' && !me.can.override.allowed && <span className="why">Only operators may override ({me.can.override.why}).</span>}
      </div>
      <ErrorBox error={actionError} />
      {view.ending && (
        <section className={`ending ending-${view.ending.type}`} aria-label="outcome">
          <h2>{view.ending.text}</h2>
          {view.ending.reasons && (
            <ul>
              {view.ending.reasons.map((r, i) => <li key={i}>{r}</li>)}
            </ul>
          )}
        </section>
      )}
      {view.overrides.map((o, i) => (
        <p key={i} className="override">↷ gate {o.gate} overridden by {o.by}: {o.reason}</p>
      ))}
      <section aria-label="steps">
        <h2>Steps</h2>
        {view.resumes > 0 && <p className="hint">resumed {view.resumes} time{view.resumes > 1 ? 's' : ''}; finished steps were kept</p>}
        <Timeline steps={view.steps} />
      </section>
      {view.repo && <ChangeView runId={id} view={view} hasPatch={(detail.data?.artifacts ?? []).some((a) => a.path === 'umca.patch')} />}
      <section aria-label="files">
        <h2>Files</h2>
        <ArtifactBrowser runId={id} artifacts={detail.data?.artifacts ?? []} ended={final} />
      </section>
      <dialog ref={overrideRef} aria-labelledby="override-title">
        <form method="dialog" onSubmit={(e) => { e.preventDefault(); void override(); }}>
          <h2 id="override-title">Override the block</h2>
          <p>The run goes on past the gate that blocked it. Your name and reason go on its log.</p>
          <label htmlFor="override-reason">Why</label>
          <textarea id="override-reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={3} required />
          <ErrorBox error={actionError} />
          <div className="actions">
            <button type="submit" className="primary" disabled={!reason.trim()}>Override</button>
            <button type="button" onClick={() => overrideRef.current?.close()}>Keep it blocked</button>
          </div>
        </form>
      </dialog>
    </main>
  );
}
