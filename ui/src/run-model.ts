import type { EventDataOf, RunEvent } from './types.js';

export interface ModelCall {
  role: string;
  model: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
}

export interface StepView {
  key: string;
  kind: 'agent' | 'gate' | 'sandbox';
  attempt: number;
  state: 'running' | 'done' | 'failed';
  durationMs?: number;
  error?: string;
  calls: ModelCall[];
  gate?: EventDataOf<'gate.decision'>;
  policy: Array<EventDataOf<'policy.decision'>>;
  tools: Array<EventDataOf<'tool.result'>>;
  sandbox?: { started: EventDataOf<'sandbox.started'>; finished?: EventDataOf<'sandbox.finished'>; egress: Array<EventDataOf<'sandbox.egress'>> };
}

export interface RunView {
  steps: StepView[];
  status: 'created' | 'running' | 'completed' | 'failed' | 'blocked' | 'cancelled';
  ending?: { type: 'completed' | 'failed' | 'blocked' | 'cancelled'; text: string; reasons?: string[]; gate?: string };
  overrides: Array<EventDataOf<'gate.overridden'>>;
  artifacts: Array<EventDataOf<'artifact.created'>>;
  scripted: boolean;
  spec: string;
  model: string;
  principal?: string;
  resumes: number;
  events: number;
}

export function emptyRun(): RunView {
  return { steps: [], status: 'created', overrides: [], artifacts: [], scripted: false, spec: '', model: '', resumes: 0, events: 0 };
}

/**
 * Folds a run's events, in seq order, into what the run view shows: its steps (each with
 * its model calls, gate verdict, policy decisions, tool calls, sandbox run) and how it ended.
 * Pure: the same events always give the same view.
 */
export function applyEvent(view: RunView, event: RunEvent): RunView {
  const next: RunView = { ...view, events: view.events + 1 };
  const stepOf = (key: string) => next.steps.find((s) => s.key === key);
  const touch = (key: string, update: (step: StepView) => StepView) => {
    next.steps = next.steps.map((s) => (s.key === key ? update(s) : s));
  };
  switch (event.type) {
    case 'run.created':
      return { ...next, spec: event.data.spec, model: event.data.model, scripted: event.data.scripted, principal: event.data.principal?.id ?? event.actor };
    case 'run.started':
      return { ...next, status: 'running' };
    case 'run.resumed':
      return { ...next, status: 'running', resumes: next.resumes + 1 };
    case 'step.started':
      if (stepOf(event.data.step)) touch(event.data.step, (s) => ({ ...s, state: 'running' }));
      else next.steps = [...next.steps, { key: event.data.step, kind: event.data.kind, attempt: event.data.attempt, state: 'running', calls: [], policy: [], tools: [] }];
      return next;
    case 'step.completed':
      touch(event.data.step, (s) => ({ ...s, state: 'done', durationMs: event.data.duration_ms }));
      return next;
    case 'step.failed':
      touch(event.data.step, (s) => ({ ...s, state: 'failed', durationMs: event.data.duration_ms, error: event.data.error.message }));
      return next;
    case 'model.response':
      touch(event.data.step, (s) => ({ ...s, calls: [...s.calls, { role: event.data.role, model: event.data.model, latencyMs: event.data.latency_ms, inputTokens: event.data.usage.input_tokens, outputTokens: event.data.usage.output_tokens }] }));
      return next;
    case 'gate.decision':
      touch(event.data.step, (s) => ({ ...s, gate: event.data }));
      return next;
    case 'policy.decision':
      touch(event.data.step, (s) => ({ ...s, policy: [...s.policy, event.data] }));
      return next;
    case 'tool.result':
      touch(event.data.step, (s) => ({ ...s, tools: [...s.tools, event.data] }));
      return next;
    case 'sandbox.started':
      touch(event.data.step, (s) => ({ ...s, sandbox: { started: event.data, egress: [] } }));
      return next;
    case 'sandbox.egress':
      touch(event.data.step, (s) => (s.sandbox ? { ...s, sandbox: { ...s.sandbox, egress: [...s.sandbox.egress, event.data] } } : s));
      return next;
    case 'sandbox.finished':
      touch(event.data.step, (s) => (s.sandbox ? { ...s, sandbox: { ...s.sandbox, finished: event.data } } : s));
      return next;
    case 'gate.overridden':
      return { ...next, status: 'running', ending: undefined, overrides: [...next.overrides, event.data] };
    case 'artifact.created':
      return { ...next, artifacts: [...next.artifacts, event.data] };
    case 'run.completed':
      return { ...next, status: 'completed', ending: { type: 'completed', text: `completed after ${event.data.attempts} attempt${event.data.attempts === 1 ? '' : 's'}` } };
    case 'run.failed':
      return { ...next, status: 'failed', ending: { type: 'failed', text: event.data.reason } };
    case 'run.blocked':
      return { ...next, status: 'blocked', ending: { type: 'blocked', text: `blocked by gate ${event.data.gate}`, reasons: event.data.reasons, gate: event.data.gate } };
    case 'run.cancelled':
      return { ...next, status: 'cancelled', ending: { type: 'cancelled', text: event.data.reason } };
    default:
      return next;
  }
}
