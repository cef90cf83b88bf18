import { CancelledError, toUmcaError, UmcaError } from '../core/errors.js';
import { draft, type EventDraft } from '../core/events.js';
import type { RunRecord } from '../core/run.js';
import type { ChatResult, ModelProvider } from '../gateway/model-provider.js';
import { separateReasoning } from '../gateway/reasoning.js';
import type { Principal } from '../core/principal.js';
import type { RunOptions } from '../core/run-options.js';
import type { LaneSelector } from '../sandbox/lane-selector.js';
import type { SandboxLimits } from '../sandbox/sandbox-lane.js';
import type { CommitQueue } from './commit-queue.js';
import type { Gate } from './gate.js';
import type { RunContext, StepKind, StepOptions } from './pipeline.js';
import type { StepScope } from './step-scope.js';
import type { PolicyEngine } from '../policy/policy-engine.js';
import type { Tool, ToolSet } from '../tools/tool.js';
import { StepTools } from './step-tools.js';

/** Thrown through the pipeline when a gate blocks; the engine ends the run as `blocked`. */
export class RunBlockedError extends UmcaError {
  readonly gate: string;
  readonly reasons: string[];

  /** The gate's step key, which an override names. */
  readonly step: string;

  constructor(gate: string, reasons: string[], step = `gate:${gate}`) {
    super('blocked', `blocked by gate ${gate}: ${reasons.join('; ') || 'no reason given'}`, { status: 409 });
    this.gate = gate;
    this.reasons = reasons;
    this.step = step;
  }
}

/** The checkpoint an operator's override of a gate step leaves; the gate then lets the run pass. */
export const overrideKey = (step: string): string => `override:${step}`;

const MAX_RECORDED_REPLY = 64 * 1024;

export interface RunContextDeps {
  run: RunRecord;
  /** Who started the run; its policy decisions are about this principal. */
  principal: Principal;
  /** What the run asked for beyond its spec (runtime, network, references). */
  options: RunOptions;
  /** The run's ordered writes. */
  queue: CommitQueue;
  modelFor(role: string): ModelProvider;
  sandbox: LaneSelector;
  sandboxLimits: SandboxLimits;
  /** Network granted to sandboxed jobs (`sandbox.allowed_outbound_hosts`). */
  sandboxEgress?: readonly string[];
  signal: AbortSignal;
  /** Checkpoints loaded once when the run (re)started. */
  checkpoints: Map<string, unknown>;
  /** The tools agents may call (external MCP servers'); absent: none. */
  tools?: ToolSet;
  /** Tools this run brings by its options (its knowledge bases' search). */
  runTools?: readonly Tool[];
  /** Decides each tool call (use-tool). */
  policy?: PolicyEngine;
  /** One tool call's limit. Default 30 s. */
  toolCallTimeoutMs?: number;
  /** What a role's call cost in US dollars (at the configured prices). */
  costOf?: (role: string, result: ChatResult) => number;
}

/** The durable step executor behind a pipeline. */
export class DurableRunContext implements RunContext {
  readonly run: RunRecord;
  readonly principal: Principal;
  readonly options: RunOptions;
  readonly modelFor: (role: string) => ModelProvider;
  readonly sandbox: LaneSelector;
  readonly sandboxLimits: SandboxLimits;
  readonly sandboxEgress: readonly string[];
  readonly signal: AbortSignal;
  readonly #queue: CommitQueue;
  /** The last step's checkpoint commit, which the next step's body may overlap. */
  #lastCheckpoint: Promise<unknown> = Promise.resolve();
  /** The checkpoint before it: a step starts only once that one is durable. */
  #earlierCheckpoint: Promise<unknown> = Promise.resolve();
  readonly #checkpoints: Map<string, unknown>;
  readonly #deps: RunContextDeps;

  constructor(deps: RunContextDeps) {
    this.#deps = deps;
    this.run = deps.run;
    this.principal = deps.principal;
    this.options = deps.options;
    this.modelFor = deps.modelFor;
    this.sandbox = deps.sandbox;
    this.sandboxLimits = deps.sandboxLimits;
    this.sandboxEgress = deps.sandboxEgress ?? [];
    this.signal = deps.signal;
    this.#queue = deps.queue;
    this.#checkpoints = deps.checkpoints;
  }

  async step<T>(key: string, kind: StepKind, body: (scope: StepScope) => Promise<T>, options: StepOptions = {}): Promise<T> {
    if (this.#checkpoints.has(key)) return this.#checkpoints.get(key) as T;
    // A body that acts outside umca waits until every earlier result is durable. Any other
    // body may overlap the last checkpoint's write (what it records is ordered after it), but
    // no more than that: the checkpoint before the last is durable before a body starts, so a
    // crash loses at most one finished step, however fast the steps are.
    await (options.external ? this.settled() : this.#earlierCheckpoint);
    this.#throwIfCancelled();
    const started = performance.now();
    this.#queue.record([draft('step.started', 'engine', { step: key, kind, attempt: options.attempt ?? 1 })]);
    let result: T;
    try {
      result = await body(this.#scope(key));
      this.#throwIfCancelled();
      this.#queue.throwIfRefused();
    } catch (error) {
      if (!(error instanceof RunBlockedError) && !this.signal.aborted) {
        const failure = toUmcaError(error);
        this.#queue.record([
          draft('step.failed', 'engine', { step: key, duration_ms: elapsed(started), error: { code: failure.code, message: failure.message } }),
        ]);
      }
      throw error;
    }
    // Queued, not awaited: nothing recorded after it can be stored before it, so the next
    // step may overlap its write (see docs/architecture.md, "Durable steps").
    const checkpointed = this.#queue.push({ events: [draft('step.completed', 'engine', { step: key, duration_ms: elapsed(started) })], checkpoint: { step: key, result: result ?? null } });
    checkpointed.catch(() => undefined);
    this.#earlierCheckpoint = this.#lastCheckpoint;
    this.#lastCheckpoint = checkpointed;
    this.#checkpoints.set(key, result);
    return result;
  }

  /** The head of the run's hash chain once every earlier step is stored: what a hand-off names to be verified against. */
  async logHead(): Promise<{ seq: number; hash: string } | undefined> {
    await this.settled();
    return this.#queue.head();
  }

  /** Resolves once the last step's checkpoint is stored; rejects if storing it failed. */
  async settled(): Promise<void> {
    await this.#lastCheckpoint;
  }

  async gate<I>(gate: Gate<I>, input: I, options: { step?: string } = {}): Promise<void> {
    const key = options.step ?? `gate:${gate.id}`;
    const verdict = await this.step(key, 'gate', async (scope) => {
      const decided = await gate.evaluate(input, { runId: this.run.id, step: key, signal: this.signal, emit: scope.emit, chat: scope.chat });
      scope.emit(
        draft('gate.decision', `gate:${gate.id}`, {
          gate: gate.id,
          step: key,
          decision: decided.decision,
          ...(decided.score === undefined ? {} : { score: decided.score }),
          reasons: decided.reasons,
          ...(decided.threshold === undefined ? {} : { threshold: decided.threshold }),
          ...(decided.evaluators ? { evaluators: decided.evaluators } : {}),
        }),
      );
      return decided;
    });
    // A block stands unless an operator overrode this very step (engine.override).
    if (verdict.decision === 'block' && !this.#checkpoints.has(overrideKey(key))) throw new RunBlockedError(gate.id, verdict.reasons, key);
  }

  #scope(step: string): StepScope {
    const emit = (event: EventDraft) => this.#queue.record([event]);
    const tools = new StepTools({
      step,
      principal: this.principal,
      tools: this.#deps.tools,
      policy: this.#deps.policy,
      allowed: this.options.tools,
      ...(this.#deps.runTools?.length ? { builtIn: this.#deps.runTools } : {}),
      callTimeoutMs: this.#deps.toolCallTimeoutMs ?? 30_000,
      signal: this.signal,
      emit,
    });
    return {
      step,
      signal: this.signal,
      emit,
      tools: () => tools.definitions(),
      callTool: (call) => tools.call(call),
      chat: async ({ role, turn, messages, responseFormat: asked, schema, tools: offered, maxTokens }) => {
        const provider = this.modelFor(role);
        // A provider that enforces a schema gets the step's; one that holds to none gets prose asked for.
        const held = provider.structuredOutput ?? 'json_object';
        const responseFormat = held === 'json_schema' && schema ? { type: 'json_schema' as const, name: schema.name, schema: schema.schema, strict: false } : held === 'none' ? undefined : asked;
        const actor = `agent:${role}`;
        const promptChars = messages.reduce((sum, message) => sum + message.content.length, 0);
        this.#queue.record([
          draft('model.request', actor, { step, role, provider: provider.kind, model: provider.model, messages: messages.length, prompt_chars: promptChars }),
        ]);
        const started = performance.now();
        const answered = await provider.chat(
          { messages, metadata: { role, turn, run_id: this.run.id }, ...(responseFormat ? { responseFormat } : {}), ...(offered?.length ? { tools: offered } : {}), ...(maxTokens ? { maxTokens } : {}) },
          { signal: this.signal },
        );
        // A reasoning model's thinking stays out of what the step parses, and on the log as its own field.
        const { content, reasoning } = separateReasoning(answered);
        const result = { ...answered, content };
        this.#queue.record([
          draft('model.response', actor, {
            step,
            role,
            provider: provider.kind,
            model: result.model,
            finish_reason: result.finishReason,
            usage: { input_tokens: result.usage.inputTokens, output_tokens: result.usage.outputTokens, ...(result.usage.reasoningTokens === undefined ? {} : { reasoning_tokens: result.usage.reasoningTokens }) },
            latency_ms: elapsed(started),
            content: result.content.slice(0, MAX_RECORDED_REPLY),
            ...(reasoning ? { reasoning: reasoning.slice(0, MAX_RECORDED_REPLY) } : {}),
            ...(this.#deps.costOf ? { cost_usd: this.#deps.costOf(role, result) } : {}),
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
