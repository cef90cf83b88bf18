import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { useSession } from '../app.js';
import { ErrorBox } from '../components/error-box.js';
import { useApi } from '../hooks.js';
import { navigate } from '../router.js';

interface Example {
  name: string;
  description: string;
  spec: string;
  model: string;
}

/** Type an idea (or take an example), pick a model and what the run may use, start it. */
export function NewRun() {
  const { me } = useSession();
  const examples = useApi<{ data: Example[] }>('/v1/examples');
  const models = useApi<{ data: Array<{ id: string }> }>('/v1/models');
  const [spec, setSpec] = useState('');
  const [model, setModel] = useState('');
  const [runtime, setRuntime] = useState<'auto' | 'wasm' | 'process'>('auto');
  const [hosts, setHosts] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const empty = spec.trim() === '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (empty) return setError(new Error('Write what to build first: the spec cannot be empty.'));
    setBusy(true);
    setError(undefined);
    try {
      const egress = hosts.split(/[\s,]+/).filter(Boolean);
      const created = await api<{ id: string }>('/v1/runs', {
        body: { spec, ...(model ? { model } : {}), ...(runtime !== 'auto' ? { runtime } : {}), ...(egress.length ? { allowed_outbound_hosts: egress } : {}) },
      });
      navigate(`/runs/${created.id}`);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const processLane = me.can.process_runtime;
  const egress = me.can.egress;
  return (
    <main className="page">
      <h1>New run</h1>
      <form onSubmit={submit} className="stack" noValidate>
        <label htmlFor="spec">What should umca build?</label>
        <textarea id="spec" name="spec" rows={7} value={spec} onChange={(e) => setSpec(e.target.value)} placeholder="A TypeScript function that parses ISO-8601 durations into seconds, with tests." aria-describedby="spec-help" aria-invalid={error !== undefined && empty} />
        <p id="spec-help" className="hint">
          In plain words; umca plans it, writes the code and tests it in a sandbox, every step through policy and quality gates.
        </p>
        {examples.data && examples.data.data.length > 0 && (
          <div className="examples" role="group" aria-label="Example specs">
            <span className="hint">Examples:</span>
            {examples.data.data.map((example) => (
              <button type="button" key={example.name} className="chip" title={example.description} onClick={() => { setSpec(example.spec); setModel(example.model); }}>
                {example.name}
              </button>
            ))}
          </div>
        )}
        <div className="row">
          <label>
            Model
            <select value={model} onChange={(e) => setModel(e.target.value)}>
              <option value="">default</option>
              {models.data?.data.map((m) => <option key={m.id} value={m.id}>{m.id}</option>)}
            </select>
          </label>
          <fieldset className="runtime">
            <legend>Tests run in</legend>
            {(['auto', 'wasm', 'process'] as const).map((choice) => {
              const denied = choice === 'process' && !processLane.allowed;
              return (
                <label key={choice} className={denied ? 'disabled' : undefined} title={denied ? `not allowed for you (${processLane.why})` : undefined}>
                  <input type="radio" name="runtime" value={choice} checked={runtime === choice} disabled={denied} onChange={() => setRuntime(choice)} />
                  {choice === 'auto' ? 'the lane umca picks' : choice === 'wasm' ? 'WebAssembly only' : 'a process (bubblewrap)'}
                  {denied && <span className="why"> — not allowed: {processLane.why}</span>}
                </label>
              );
            })}
          </fieldset>
        </div>
        <label htmlFor="egress" className={egress.allowed ? undefined : 'disabled'}>
          Network for the tests (host:port, comma-separated)
          {!egress.allowed && <span className="why"> — not allowed: {egress.why}</span>}
        </label>
        <input id="egress" value={hosts} onChange={(e) => setHosts(e.target.value)} disabled={!egress.allowed} placeholder="none" />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || empty} aria-disabled={busy || empty}>
            {busy ? 'Starting…' : 'Start'}
          </button>
          {empty && <span className="hint">Write a spec to start.</span>}
        </div>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
