import { useState } from 'react';
import { api } from '../api.js';
import { useSession } from '../app.js';
import { ErrorBox } from '../components/error-box.js';
import { formatUsd } from '../format.js';
import { useApi } from '../hooks.js';

interface SettingsData {
  default_model: string;
  providers: Array<{ name: string; type: string; model: string; base_url?: string; preset?: string }>;
  aliases: Record<string, unknown>;
  roles: Record<string, string | undefined>;
  gates: Record<string, { threshold: number } & Record<string, unknown>>;
  policy: { engine: string; files: Array<{ name: string; content: string }>; opa?: { url: string; path: string } };
  auth_mode: string;
}

interface Health {
  ok: boolean;
  detail: string;
  latency_ms?: number;
}

interface UsageDay {
  key: string;
  requests: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
}

/** What this umca is configured with, read-only (changes are made in umca.yaml). */
export function Settings() {
  const { me } = useSession();
  const settings = useApi<SettingsData>('/v1/settings');
  const usage = useApi<{ data: UsageDay[] }>(me.can.read_usage.allowed ? '/v1/usage?group_by=day' : undefined);
  const [health, setHealth] = useState<Record<string, Health | 'checking' | { error: unknown }>>({});

  const check = async (name: string) => {
    setHealth((h) => ({ ...h, [name]: 'checking' }));
    try {
      const result = await api<Health>(`/v1/settings/providers/${encodeURIComponent(name)}/health`);
      setHealth((h) => ({ ...h, [name]: result }));
    } catch (error) {
      setHealth((h) => ({ ...h, [name]: { error } }));
    }
  };

  return (
    <main className="page">
      <h1>Settings</h1>
      <p className="hint">
        Read-only here: {me.can.admin.allowed ? 'as an admin, change them in umca.yaml and restart.' : 'an admin changes them in umca.yaml.'}
      </p>
      <ErrorBox error={settings.error} />
      {settings.data && (
        <>
          <section aria-labelledby="providers">
            <h2 id="providers">Models</h2>
            <p>Default model: <code>{settings.data.default_model}</code></p>
            <table>
              <thead><tr><th scope="col">provider</th><th scope="col">type</th><th scope="col">model</th><th scope="col">where</th><th scope="col">reachable</th></tr></thead>
              <tbody>
                {settings.data.providers.map((p) => {
                  const h = health[p.name];
                  return (
                    <tr key={p.name}>
                      <td>{p.name}</td>
                      <td>{p.type}{p.preset ? ` (${p.preset})` : ''}</td>
                      <td>{p.model}</td>
                      <td>{p.base_url ?? '—'}</td>
                      <td>
                        <button type="button" onClick={() => void check(p.name)} disabled={!me.can.read_usage.allowed || h === 'checking'} title={me.can.read_usage.allowed ? undefined : `operators check reachability (${me.can.read_usage.why})`}>
                          {h === 'checking' ? 'Checking…' : 'Check'}
                        </button>{' '}
                        {h && h !== 'checking' && ('error' in h ? <ErrorBox error={h.error} /> : <span className={h.ok ? 'ok' : 'warn'}>{h.ok ? '✓' : '✗'} {h.detail}{h.latency_ms !== undefined ? ` (${h.latency_ms} ms)` : ''}</span>)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <h3>Aliases</h3>
            {Object.keys(settings.data.aliases).length ? <pre>{JSON.stringify(settings.data.aliases, null, 2)}</pre> : <p className="hint">none</p>}
            <h3>Models per role</h3>
            <pre>{JSON.stringify(settings.data.roles, null, 2)}</pre>
          </section>
          <section aria-labelledby="usage">
            <h2 id="usage">Usage and spend per day</h2>
            {me.can.read_usage.allowed ? <UsageChart days={usage.data?.data ?? []} /> : <p className="hint">Operators and admins see usage ({me.can.read_usage.why}).</p>}
            <ErrorBox error={usage.error} />
          </section>
          <section aria-labelledby="gates">
            <h2 id="gates">Gates</h2>
            <ul>
              {Object.entries(settings.data.gates).map(([gate, g]) => <li key={gate}>{gate}: blocks under {g.threshold}{'judge' in g ? `, judge ${g.judge ? 'on' : 'off'}` : ''}</li>)}
            </ul>
          </section>
          <section aria-labelledby="policies">
            <h2 id="policies">Policies in force ({settings.data.policy.engine})</h2>
            {settings.data.policy.opa && <p>OPA at {settings.data.policy.opa.url}, decision {settings.data.policy.opa.path}</p>}
            {settings.data.policy.files.map((file) => (
              <details key={file.name}>
                <summary>{file.name}</summary>
                <pre>{file.content}</pre>
              </details>
            ))}
          </section>
        </>
      )}
    </main>
  );
}

/** Requests and spend per day as bars (plain SVG: a chart library would weigh more than the page). */
function UsageChart({ days }: { days: UsageDay[] }) {
  if (days.length === 0) return <p className="hint">No model calls recorded yet.</p>;
  const recent = days.slice(-30);
  const max = Math.max(...recent.map((d) => d.requests), 1);
  const width = 24;
  return (
    <figure>
      <svg viewBox={`0 0 ${recent.length * width} 120`} className="chart" role="img" aria-label={`model calls per day, last ${recent.length} days`}>
        {recent.map((day, i) => {
          const h = Math.max(2, (day.requests / max) * 100);
          return (
            <g key={day.key}>
              <title>{`${day.key}: ${day.requests} calls, ${day.input_tokens + day.output_tokens} tokens, ${formatUsd(day.cost_usd)}`}</title>
              <rect x={i * width + 4} y={110 - h} width={width - 8} height={h} />
            </g>
          );
        })}
      </svg>
      <table>
        <thead><tr><th scope="col">day</th><th scope="col">calls</th><th scope="col">tokens</th><th scope="col">spend</th></tr></thead>
        <tbody>
          {recent.map((d) => <tr key={d.key}><td>{d.key}</td><td>{d.requests}</td><td>{d.input_tokens + d.output_tokens}</td><td>{formatUsd(d.cost_usd)}</td></tr>)}
        </tbody>
      </table>
    </figure>
  );
}
