import type { EventDataOf, RunEvent } from './types.js';

export interface ModelCall {
  role: string;
  model: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | undefined;
}

export interface StepView {
  key: string;
  kind: 'agent' | 'gate' | 'sandbox' | 'ingest' | 'repo';
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
  /** A run on a repository: which one, at which commit; its change so far; what it handed back. */
  repo?: NonNullable<NonNullable<EventDataOf<'run.created'>['options']>['repo']>;
  change?: EventDataOf<'repo.edited'>['files'];
  handoff?: EventDataOf<'repo.handoff'>;
  /** The tests of the last sandboxed step that finished. */
  tests?: EventDataOf<'sandbox.finished'>;
}

export function emptyRun(): RunView {
  return { steps: [], status: 'created', overrides: [], artifacts: [], scripted: false, spec: '', model: '', resumes: 0, events: 0 };
}

/**
 * Folds a batch of a run's events, in seq order, into what the run view shows: its steps
 * (each with its model calls, gate verdict, policy decisions, tool calls, sandbox run) and how
 * it ended. Pure for its caller: the view passed in is not changed; inside a batch, each step
 * is copied once, so a run of tens of thousands of events folds in linear time.
 */
export function applyEvents(view: RunView, events: readonly RunEvent[]): RunView {
  const next: RunView = { ...view, steps: [...view.steps], overrides: [...view.overrides], artifacts: [...view.artifacts] };
  const index = new Map(next.steps.map((step, i) => [step.key, i]));
  const copied = new Set<number>();
  const step = (key: string): StepView | undefined => {
    const i = index.get(key);
    if (i === undefined) return undefined;
    if (!copied.has(i)) {
      const s = next.steps[i]!;
      next.steps[i] = { ...s, calls: [...s.calls], policy: [...s.policy], tools: [...s.tools], ...(s.sandbox ? { sandbox: { ...s.sandbox, egress: [...s.sandbox.egress] } } : {}) };
      copied.add(i);
    }
    return next.steps[i];
  };
  for (const event of events) {
    next.events += 1;
    apply(next, event, step, index, copied);
  }
  return next;
}

function apply(next: RunView, event: RunEvent, step: (key: string) => StepView | undefined, index: Map<string, number>, copied: Set<number>): void {
  switch (event.type) {
    case 'run.created':
      next.spec = event.data.spec;
      next.model = event.data.model;
      next.scripted = event.data.scripted;
      next.principal = event.data.principal?.id ?? event.actor;
      if (event.data.options?.repo) next.repo = event.data.options.repo;
      return;
    case 'repo.edited':
      next.change = event.data.files;
      return;
    case 'repo.handoff':
      next.handoff = event.data;
      return;
    case 'run.started':
      next.status = 'running';
      return;
    case 'run.resumed':
      next.status = 'running';
      next.resumes += 1;
      return;
    case 'step.started': {
      const existing = step(event.data.step);
      if (existing) existing.state = 'running';
      else {
        index.set(event.data.step, next.steps.length);
        copied.add(next.steps.length);
        next.steps.push({ key: event.data.step, kind: event.data.kind, attempt: event.data.attempt, state: 'running', calls: [], policy: [], tools: [] });
      }
      return;
    }
    case 'step.completed': {
      const s = step(event.data.step);
      if (s) Object.assign(s, { state: 'done', durationMs: event.data.duration_ms });
      return;
    }
    case 'step.failed': {
      const s = step(event.data.step);
      if (s) Object.assign(s, { state: 'failed', durationMs: event.data.duration_ms, error: event.data.error.message });
      return;
    }
    case 'model.response':
      step(event.data.step)?.calls.push({ role: event.data.role, model: event.data.model, latencyMs: event.data.latency_ms, inputTokens: event.data.usage.input_tokens, outputTokens: event.data.usage.output_tokens, costUsd: event.data.cost_usd });
      return;
    case 'gate.decision': {
      const s = step(event.data.step);
      if (s) s.gate = event.data;
      return;
    }
    case 'policy.decision':
      step(event.data.step)?.policy.push(event.data);
      return;
    case 'tool.result':
      step(event.data.step)?.tools.push(event.data);
      return;
    case 'sandbox.started': {
      const s = step(event.data.step);
      if (s) s.sandbox = { started: event.data, egress: [] };
      return;
    }
    case 'sandbox.egress':
      step(event.data.step)?.sandbox?.egress.push(event.data);
      return;
    case 'sandbox.finished': {
      const s = step(event.data.step);
      if (s?.sandbox) s.sandbox.finished = event.data;
      next.tests = event.data;
      return;
    }
    case 'gate.overridden':
      next.status = 'running';
      delete next.ending;
      next.overrides.push(event.data);
      return;
    case 'artifact.created':
      next.artifacts.push(event.data);
      return;
    case 'run.completed':
      next.status = 'completed';
      next.ending = { type: 'completed', text: `completed after ${event.data.attempts} attempt${event.data.attempts === 1 ? '' : 's'}` };
      return;
    case 'run.failed':
      next.status = 'failed';
      next.ending = { type: 'failed', text: event.data.reason };
      return;
    case 'run.blocked':
      next.status = 'blocked';
      next.ending = { type: 'blocked', text: `blocked by gate ${event.data.gate}`, reasons: event.data.reasons, gate: event.data.gate };
      return;
    case 'run.cancelled':
      next.status = 'cancelled';
      next.ending = { type: 'cancelled', text: event.data.reason };
      return;
    default:
      return;
  }
}
