import type { CSSProperties } from 'react';
import { formatBytes, formatMs, formatUsd } from '../format.js';
import type { StepView } from '../run-model.js';

const LIMITS = new Set(['timeout', 'oom', 'output_limit', 'disk_limit', 'egress_denied', 'crashed']);

/** One step of the timeline: what it did, as the events tell it. `position` places it in a virtualized list. */
export function StepCard({ step, position }: { step: StepView; position?: { index: number; measure: (node: HTMLLIElement | null) => void; style: CSSProperties } }) {
  const gate = step.gate;
  const title = gate ? `gate ${gate.gate}` : step.key;
  const state = gate ? (gate.decision === 'pass' ? 'passed' : 'blocked') : step.state === 'running' ? 'running' : step.state === 'failed' ? 'failed' : 'done';
  return (
    <li className={`step step-${state}`} aria-label={`${title}: ${state}`} data-step={step.key} {...(position ? { 'data-index': position.index, ref: position.measure, style: position.style } : {})}>
      <div className="step-head">
        <span className="step-state" aria-hidden="true">{state === 'running' ? '◌' : state === 'passed' || state === 'done' ? '✓' : '■'}</span>
        <strong>{title}</strong>
        {step.attempt > 1 && <span className="hint">attempt {step.attempt}</span>}
        <span className="hint">{state}{step.durationMs !== undefined ? `, ${formatMs(step.durationMs)}` : ''}</span>
      </div>
      {step.error && <p className="error">{step.error}</p>}
      {step.calls.length > 0 && (
        <ul className="calls">
          {step.calls.map((call, i) => (
            <li key={i}>
              {call.role} ← {call.model} <span className="hint">{formatMs(call.latencyMs)}, {call.inputTokens}→{call.outputTokens} tokens{call.costUsd !== undefined ? `, ${formatUsd(call.costUsd)}` : ''}</span>
            </li>
          ))}
        </ul>
      )}
      {step.tools.length > 0 && (
        <ul className="calls">
          {step.tools.map((tool) => (
            <li key={tool.call_id} className={tool.status === 'ok' ? undefined : 'warn'}>
              tool {tool.tool}: {tool.status.replace(/_/g, ' ')} <span className="hint">{formatMs(tool.duration_ms)}, {formatBytes(tool.size_bytes)}</span>
            </li>
          ))}
        </ul>
      )}
      {step.policy.filter((p) => p.decision === 'deny').map((p, i) => (
        <p key={i} className="warn">policy: {p.principal} may not {p.action} {p.resource.type} {p.resource.id} ({p.policies.length ? p.policies.join(', ') : 'no policy permits it'})</p>
      ))}
      {gate && (
        // A gate that passed with full marks keeps its evaluators folded; anything else shows them.
        <details open={gate.decision === 'block' || (gate.score ?? 1) < 1}>
        <summary>{(gate.evaluators ?? []).length} evaluators</summary>
        <table className="evaluators">
          <caption>
            score {gate.score ?? '–'}{gate.threshold !== undefined ? ` (blocks under ${gate.threshold})` : ''}
          </caption>
          <thead>
            <tr><th scope="col">evaluator</th><th scope="col">score</th><th scope="col">reason</th></tr>
          </thead>
          <tbody>
            {(gate.evaluators ?? []).map((e) => (
              <tr key={e.id} className={e.score < (gate.threshold ?? 0) ? 'below' : e.score < 1 ? 'warn' : undefined}>
                <td>{e.id}</td>
                <td>{e.score}</td>
                <td>{e.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </details>
      )}
      {step.sandbox && (
        <div className="sandbox">
          <p>
            tests in <strong>{step.sandbox.started.lane}</strong> <span className="hint">({step.sandbox.started.reason}; {formatMs(step.sandbox.started.limits.timeout_ms)}, {formatBytes(step.sandbox.started.limits.memory_bytes)})</span>
          </p>
          {step.sandbox.egress.map((e, i) => (
            <p key={i} className={e.allowed ? 'hint' : 'warn'}>{e.allowed ? '→' : '⊘'} {e.host}:{e.port} {e.allowed ? 'allowed' : `refused: ${e.reason.replace(/_/g, ' ')}`}</p>
          ))}
          {step.sandbox.finished && (
            <>
              <ul className="tests">
                {step.sandbox.finished.tests.map((t) => (
                  <li key={t.name} className={t.ok ? 'pass' : 'fail'}>
                    <span aria-hidden="true">{t.ok ? '✓' : '✗'}</span> {t.name}{t.error ? ` — ${t.error}` : ''}
                  </li>
                ))}
              </ul>
              <p className={LIMITS.has(step.sandbox.finished.status) ? 'limit' : step.sandbox.finished.status === 'ok' ? undefined : 'warn'}>
                {LIMITS.has(step.sandbox.finished.status) && <strong>limit reached: {step.sandbox.finished.status.replace(/_/g, ' ')} — </strong>}
                {step.sandbox.finished.message}
              </p>
              {step.sandbox.finished.output && (
                <details>
                  <summary>output{step.sandbox.finished.output_truncated ? ' (cut at the output limit)' : ''}</summary>
                  <pre className={step.sandbox.finished.output_truncated ? 'truncated' : undefined}>{step.sandbox.finished.output}</pre>
                </details>
              )}
            </>
          )}
        </div>
      )}
    </li>
  );
}
