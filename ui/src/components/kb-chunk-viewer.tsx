import { ErrorBox } from './error-box.js';
import { useApi } from '../hooks.js';
import type { KbChunkRecord, KbHit } from '../types.js';

/** A chunk as stored: its whole text, where it is in its source, and the hash G2 checks quotes against. */
export function KbChunkViewer({ kb, hit, onClose }: { kb: string; hit: KbHit; onClose(): void }) {
  const chunk = useApi<KbChunkRecord>(`/v1/kb/${encodeURIComponent(kb)}/chunks/${encodeURIComponent(hit.doc_id)}/${hit.ord}`, [hit.citation]);
  return (
    <section className="ending kb-chunk" aria-label="Chunk">
      <div className="run-head">
        <h3>{hit.citation}</h3>
        <button type="button" className="link" onClick={onClose}>Close</button>
      </div>
      <ErrorBox error={chunk.error} />
      {chunk.data && (
        <>
          <dl className="facts">
            <div><dt>source</dt><dd>{chunk.data.source}</dd></div>
            {chunk.data.heading && <div><dt>heading</dt><dd>{chunk.data.heading}</dd></div>}
            {chunk.data.page !== null && <div><dt>page</dt><dd>{chunk.data.page}</dd></div>}
            <div><dt>characters</dt><dd>{chunk.data.start}–{chunk.data.end}</dd></div>
            <div><dt>sha256</dt><dd><code>{chunk.data.sha256}</code></dd></div>
          </dl>
          <pre className="spec-text">{chunk.data.text}</pre>
        </>
      )}
    </section>
  );
}
