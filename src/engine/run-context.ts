import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CancelledError, toUmcaError, UmcaError } from '../core/errors.js';
import { draft } from '../core/events.js';
import type { RunRecord } from '../core/run.js';
import type { ModelProvider } from '../gateway/model-provider.js';
import type { SandboxLane, SandboxLimits } from '../sandbox/sandbox-lane.js';
import type { Store } from '../store/store.js';
import type { CommitQueue } from './commit-queue.js';
import type { Gate } from './gate.js';
import type { RunContext, StepKind, StepScope } from './pipeline.js';

/** Thrown through the pipeline when a gate blocks; the engine ends the run as `blocked`. */
export class RunBlockedError extends UmcaError {
  readonly gate: string;
  readonly reasons: string[];

  constructor(gate: string, reasons: string[]) {
    super('blocked', `blocked by gate ${gate}: ${reasons.join('; ') || 'no reason given'}`, { status: 409 });
    this.gate = gate;
    this.reasons = reasons;
  }
}

const MAX_RECORDED_REPLY = 64 * 1024;

export interface RunContextDeps {
  run: RunRecord;
  store: Store;
  /** The run's ordered writes. */
  queue: CommitQueue;
  model: ModelProvider;
  sandbox: SandboxLane;
  sandboxLimits: SandboxLimits;
  artifactDir: string;
  signal: AbortSignal;
  /** Checkpoints loaded once when the run (re)started. */
  checkpoints: Map<string, unknown>;
}

/** The durable step executor behind a pipeline. */
export class DurableRunContext implements RunContext {
  readonly run: RunRecord;
  readonly model: ModelProvider;
  readonly sandbox: SandboxLane;
  readonly sandboxLimits: SandboxLimits;
  readonly artifactDir: string;
  readonly signal: AbortSignal;
  readonly #store: Store;
  readonly #queue: CommitQueue;
  readonly #checkpoints: Map<string, unknown>;

  constructor(deps: RunContextDeps) {
    this.run = deps.run;
    this.model = deps.model;
    this.sandbox = deps.sandbox;
    this.sandboxLimits = deps.sandboxLimits;
    this.artifactDir = deps.artifactDir;
    this.signal = deps.signal;
    this.#store = deps.store;
    this.#queue = deps.queue;
    this.#checkpoints = deps.checkpoints;
  }

  async step<T>(key: string, kind: StepKind, body: (scope: StepScope) => Promise<T>, options: { attempt?: number } = {}): Promise<T> {
    if (this.#checkpoints.has(key)) return this.#checkpoints.get(key) as T;
    this.#throwIfCancelled();
    const started = performance.now();
    this.#queue.record([draft('step.started', 'engine', { step: key, kind, attempt: options.attempt ?? 1 })]);
    let result: T;
    try {
      result = await body(this.#scope(key));
      this.#throwIfCancelled();
    } catch (error) {
      if (!(error instanceof RunBlockedError) && !this.signal.aborted) {
        const failure = toUmcaError(error);
        this.#queue.record([
          draft('step.failed', 'engine', { step: key, duration_ms: elapsed(started), error: { code: failure.code, message: failure.message } }),
        ]);
      }
      throw error;
    }
    // The step is done only once its result is stored: nothing after it starts before.
    await this.#queue.push({ events: [draft('step.completed', 'engine', { step: key, duration_ms: elapsed(started) })], checkpoint: { step: key, result: result ?? null } });
    this.#checkpoints.set(key, result);
    return result;
  }

  async gate<I>(gate: Gate<I>, input: I, options: { step?: string } = {}): Promise<void> {
    const key = options.step ?? `gate:${gate.id}`;
    const verdict = await this.step(key, 'gate', async (scope) => {
      const decided = await gate.evaluate(input, { runId: this.run.id, signal: this.signal });
      scope.emit(
        draft('gate.decision', `gate:${gate.id}`, {
          gate: gate.id,
          step: key,
          decision: decided.decision,
          ...(decided.score === undefined ? {} : { score: decided.score }),
          reasons: decided.reasons,
        }),
      );
      return decided;
    });
    if (verdict.decision === 'block') throw new RunBlockedError(gate.id, verdict.reasons);
  }

  async storeArtifacts(files: ReadonlyArray<{ path: string; content: string }>) {
    const records = await this.#store.putArtifacts(
      this.run.id,
      files.map((file) => ({ path: file.path, content: new TextEncoder().encode(file.content) })),
    );
    await Promise.all(
      files.map(async (file) => {
        const target = join(this.artifactDir, file.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, file.content);
      }),
    );
    this.#queue.record(records.map((record) => draft('artifact.created', 'engine', { path: record.path, sha256: record.sha256, size: record.size })));
    return records.map(({ path, sha256, size }) => ({ path, sha256, size }));
  }

  #scope(step: string): StepScope {
    return {
      step,
      signal: this.signal,
      emit: (event) => this.#queue.record([event]),
      chat: async ({ role, turn, messages, responseFormat }) => {
        const provider = this.model;
        const actor = `agent:${role}`;
        const promptChars = messages.reduce((sum, message) => sum + message.content.length, 0);
        this.#queue.record([
          draft('model.request', actor, { step, role, provider: provider.kind, model: provider.model, messages: messages.length, prompt_chars: promptChars }),
        ]);
        const started = performance.now();
        const result = await provider.chat(
          { messages, metadata: { role, turn, run_id: this.run.id }, ...(responseFormat ? { responseFormat } : {}) },
          { signal: this.signal },
        );
        this.#queue.record([
          draft('model.response', actor, {
            step,
            role,
            provider: provider.kind,
            model: result.model,
            finish_reason: result.finishReason,
            usage: { input_tokens: result.usage.inputTokens, output_tokens: result.usage.outputTokens },
            latency_ms: elapsed(started),
            content: result.content.slice(0, MAX_RECORDED_REPLY),
          }),
        ]);
        return result;
      },
    };
  }

  #throwIfCancelled(): void {
    if (this.signal.aborted) throw new CancelledError();
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
