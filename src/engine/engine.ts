import { randomBytes, randomUUID } from 'node:crypto';
import { CancelledError, ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from '../core/errors.js';
import type { PolicyEngine } from '../policy/policy-engine.js';
import { decisionEvent, forbidden } from '../policy/policy-decision.js';
import type { Tool, ToolSet } from '../tools/tool.js';
import { draft } from '../core/events.js';
import { FINAL_STATUSES, type LeasedRun, type RecordedPrincipal, type RunRecord } from '../core/run.js';
import { DEFAULT_RUN_OPTIONS, recordedOptions, runOptionsOf, type RunOptions } from '../core/run-options.js';
import { cancelSubject, type Bus } from '../bus/bus.js';
import { keepLease } from './lease-keeper.js';
import { isTransientStoreError } from '../store/transient-error.js';
import type { ChatResult, ModelProvider } from '../gateway/model-provider.js';
import type { LaneSelector } from '../sandbox/lane-selector.js';
import type { SandboxLimits } from '../sandbox/sandbox-lane.js';
import { isRole, LOCAL_PRINCIPAL, type Principal } from '../core/principal.js';
import type { Store } from '../store/store.js';
import type { Commit } from '../store/run-store.js';
import { mirrorArtifacts } from './artifact-mirror.js';
import { CommitQueue } from './commit-queue.js';
import { outcomeCommit, stoppedCommit } from './final-commit.js';
import type { Pipeline, PipelineOutcome } from './pipeline.js';
import { commitAndPublish, publishEvents } from './publish-commit.js';
import { DurableRunContext, overrideKey } from './run-context.js';
import { checkRunInput } from './run-input.js';
import { isStaleHolder, leaseIsLive, workerIdentity } from './worker-identity.js';

export interface EngineDeps {
  store: Store;
  bus: Bus;
  pipeline: Pipeline;
  sandbox: LaneSelector;
  sandboxLimits: SandboxLimits;
  /** Network granted to sandboxed jobs (`sandbox.allowed_outbound_hosts`). */
  sandboxEgress?: readonly string[];
  /** Resolves a run's model reference; throws for an unknown one. */
  resolveModel(ref: string): ModelProvider;
  /** Model references by agent role (`planner`, `coder`), overriding the run's model. */
  roleModels?: Readonly<Record<string, string | undefined>>;
  /** `UMCA_HOME`; artifacts go to `<home>/runs/<id>/`. */
  home: string;
  specMaxChars: number;
  /** The reference documents one run may carry, all together. Default 200,000 characters. */
  referencesMaxChars?: number;
  /** Lease holder name; default `host:pid:nonce`. */
  workerId?: string;
  /** Reports failures of runs started in the background. */
  onBackgroundError?: (runId: string, error: unknown) => void;
  /** Decides who may override a gate's block (`override-gate`) and each tool call (`use-tool`). */
  policy?: PolicyEngine;
  /** What a call cost in US dollars, by the reference the run named and the model that answered. */
  costOf?: (modelRef: string, upstreamModel: string, inputTokens: number, outputTokens: number) => number;
  /** The tools agents may call. */
  tools?: ToolSet;
  /** Tools a run brings by its own options, as its principal (the search of the knowledge bases it names). */
  runTools?: (principal: Principal, options: RunOptions) => Tool[];
  toolCallTimeoutMs?: number;
  /**
   * Leases lapse this long after the holder's last heartbeat (it beats every third of it),
   * and every commit is fenced by the lease: a worker that dies or is cut off loses the run
   * to another, and cannot write to it afterwards. Without it, leases never lapse (one process).
   */
  leaseMs?: number;
  /** Milliseconds since the epoch (durations, requeue keys); injected so tests can move time. */
  now?: () => number;
}


const SHUTDOWN = Symbol('shutdown');
/** Another worker holds the run now: stop without writing. */
const LEASE_LOST = Symbol('lease lost');

/** The run lifecycle: create, execute durably, resume, cancel. */
export class Engine {
  readonly workerId: string;
  readonly #deps: EngineDeps;
  readonly #now: () => number;
  readonly #inflight = new Map<string, { controller: AbortController; done: Promise<RunRecord> }>();
  /** Runs created leased to this engine (`claim`), as created: executing one takes no lease and reads nothing back. */
  readonly #claimed = new Map<string, LeasedRun>();

  readonly #offCancel: () => void;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.workerId = deps.workerId ?? workerIdentity();
    // A cancel asked of another process reaches the one that holds the run.
    this.#offCancel = deps.bus.subscribe(cancelSubject('>'), (message) => {
      const { runId, reason, by } = message as { runId: string; reason: string; by: string };
      this.#inflight.get(runId)?.controller.abort(new CancelledError(reason, by));
    });
  }

  /** Who started a run (its owner, for policy's `Run` resource): kept on the run, else as `run.created` recorded it. */
  async ownerOf(runId: string): Promise<string> {
    const run = await this.#deps.store.getRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`, 'run_not_found');
    return run.owner ?? (await this.#intakeOf({ ...run, options: null })).principal.id;
  }

  /** Runs this process is executing now. */
  get inFlight(): number {
    return this.#inflight.size;
  }

  /** Queues a run for a worker (this process's, or any on the shared queue). */
  async submit(runId: string, options: { key?: string } = {}): Promise<void> {
    await this.#deps.bus.enqueue(runId, { key: options.key ?? runId });
  }

  /**
   * Validates and records a new run (status `created`, event `run.created`). With `claim`,
   * this engine leases the run at creation, for a caller that executes it next.
   */
  async createRun(input: { spec: string; model: string; actor?: string; principal?: Principal; claim?: boolean; options?: Partial<RunOptions> }): Promise<RunRecord> {
    const { spec, options } = checkRunInput(input, { specMaxChars: this.#deps.specMaxChars, referencesMaxChars: this.#deps.referencesMaxChars ?? 200_000 });
    const provider = this.#deps.resolveModel(input.model);
    const id = randomUUID();
    const { principal } = input;
    const recorded = recordedOptions(options);
    const created = draft('run.created', principal?.id ?? input.actor ?? LOCAL_PRINCIPAL.id, {
      spec,
      model: input.model,
      scripted: provider.scripted,
      ...(principal ? { principal: { id: principal.id, roles: [...principal.roles], via: principal.via } } : {}),
      ...(Object.keys(recorded).length ? { options: recorded } : {}),
    });
    const owner = principal ?? principalOfActor(input.actor ?? LOCAL_PRINCIPAL.id);
    const kept = { id: owner.id, roles: [...owner.roles], via: owner.via };
    const { run, events } = await this.#deps.store.createRun(
      {
        id,
        spec,
        model: input.model,
        trace_id: randomBytes(16).toString('hex'),
        owner: owner.id,
        principal: kept,
        ...(Object.keys(recorded).length ? { options: recorded } : {}),
        ...(input.claim ? { lease_owner: this.workerId } : {}),
      },
      [created],
    );
    publishEvents(this.#deps.bus, id, events);
    if (input.claim) this.#claimed.set(id, { ...run, options: Object.keys(recorded).length ? recorded : null });
    return run;
  }

  /**
   * Runs (or resumes) a run to a final status. Finished steps are loaded from their
   * checkpoints, never executed again. Concurrent calls for one run share one execution.
   */
  execute(runId: string, options: { onHeartbeat?: () => void } = {}): Promise<RunRecord> {
    const existing = this.#inflight.get(runId);
    if (existing) return existing.done;
    const controller = new AbortController();
    const done = this.#execute(runId, controller, options).finally(() => this.#inflight.delete(runId));
    this.#inflight.set(runId, { controller, done });
    return done;
  }

  /** Starts a run in the background. */
  start(runId: string): void {
    this.execute(runId).catch((error: unknown) => this.#deps.onBackgroundError?.(runId, error));
  }

  /**
   * An operator lets a blocked run go on past the gate that blocked it: policy must allow
   * `override-gate` on that gate; the decision, the override (who, why, what it overrode) and
   * a checkpoint that makes the gate step pass are one commit; then the run resumes after it.
   * Returns the run as reopened (`running`); it executes in the background.
   */
  async override(runId: string, input: { principal: Principal; reason: string }): Promise<RunRecord> {
    const reason = input.reason.trim();
    if (!reason) throw new InvalidRequestError('reason: say why the block is overridden; it goes on the log', 'reason_missing', 'reason');
    if (reason.length > 2_000) throw new InvalidRequestError(`reason: ${reason.length} characters; the limit is 2000`, 'reason_too_long', 'reason');
    const { store } = this.#deps;
    const run = await store.getRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`, 'run_not_found');
    if (run.status !== 'blocked') throw new ConflictError(`run ${runId} is ${run.status}; only a blocked run can be overridden`, 'run_not_blocked');
    const [last] = await store.readEvents(runId, { afterSeq: run.last_seq - 1 });
    if (last?.type !== 'run.blocked') throw new ConflictError(`run ${runId} has no gate block to override`, 'run_not_blocked');
    const { gate, reasons } = last.data;
    const step = last.data.step ?? `gate:${gate}`;
    const { principal } = input;
    if (!this.#deps.policy) throw new ForbiddenError(`${principal.id} may not override-gate Gate ${gate} (no policy engine is configured)`);
    const request = { principal, action: 'override-gate' as const, resource: { type: 'Gate' as const, id: gate } };
    const decision = await this.#deps.policy.decide(request);
    if (!decision.allowed) throw forbidden(request, decision);
    return this.#commitNow(runId, {
      reopenBlocked: true,
      status: 'running',
      reason: null,
      events: [
        decisionEvent(principal.id, step, this.#deps.policy.name, request, decision),
        draft('gate.overridden', principal.id, { gate, step, by: principal.id, reason, reasons_overridden: reasons }),
      ],
      checkpoints: [{ step: overrideKey(step), result: { by: principal.id, reason } }],
    });
  }

  async cancel(runId: string, reason = 'cancelled by user', by = LOCAL_PRINCIPAL.id): Promise<RunRecord> {
    const run = await this.#deps.store.getRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`);
    if (FINAL_STATUSES.has(run.status)) throw new ConflictError(`run ${runId} is already ${run.status}`);
    const inflight = this.#inflight.get(runId);
    if (inflight) {
      inflight.controller.abort(new CancelledError(reason, by));
      return inflight.done;
    }
    if (run.lease_owner !== this.workerId && leaseIsLive(run)) {
      // Another process executes it: ask it, and wait for the run to say it ended.
      this.#deps.bus.publish(cancelSubject(runId), { runId, reason, by });
      for (let waited = 0; waited < 15_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const now = await this.#deps.store.getRun(runId);
        if (!now || FINAL_STATUSES.has(now.status) || !now.lease_owner) return now ?? run;
      }
      throw new ConflictError(`asked ${run.lease_owner} to cancel run ${runId}; it has not confirmed yet, try again`, 'cancel_pending');
    }
    // Nobody executes it: end it here (releasing a lease it may hold since creation).
    return this.#commitNow(runId, { events: [draft('run.cancelled', by, { reason })], status: 'cancelled', reason, releaseLease: run.lease_owner ?? this.workerId, dropCheckpoints: true });
  }

  /** Queues every unfinished run nobody holds (a lapsed or dead holder counts as nobody). Returns their ids. */
  async requeueUnfinished(): Promise<string[]> {
    const queued: string[] = [];
    for (const run of await this.#deps.store.listUnfinishedRuns()) {
      if (leaseIsLive(run)) continue;
      // Keyed per minute: a second start right after does not queue it twice.
      await this.submit(run.id, { key: `${run.id}:requeue:${Math.floor(this.#now() / 60_000)}` });
      queued.push(run.id);
    }
    return queued;
  }

  /** Stops in-flight runs without ending them: they resume on the next start. */
  async close(): Promise<void> {
    this.#offCancel();
    const all = [...this.#inflight.values()];
    for (const { controller } of all) controller.abort(SHUTDOWN);
    await Promise.allSettled(all.map(({ done }) => done));
  }

  async #execute(runId: string, controller: AbortController, options: { onHeartbeat?: () => void }): Promise<RunRecord> {
    const { store, leaseMs } = this.#deps;
    const claimed = this.#claimed.get(runId);
    this.#claimed.delete(runId);
    const run = claimed ?? (await store.acquireLease(runId, this.workerId, isStaleHolder, leaseMs ? { leaseMs } : {}));
    if (!run) {
      const holder = (await store.getRun(runId))?.lease_owner;
      throw new ConflictError(`run ${runId} is being executed by ${holder ?? 'another worker'}`, 'run_busy');
    }
    if (FINAL_STATUSES.has(run.status)) return this.#commitNow(runId, { releaseLease: this.workerId });
    const stopKeeping = leaseMs
      ? keepLease({ store, runId, owner: this.workerId, leaseMs, onLost: () => controller.abort(LEASE_LOST), ...(options.onHeartbeat ? { onRenewed: options.onHeartbeat } : {}) })
      : () => undefined;
    const queue = new CommitQueue(store, this.#deps.bus, runId, { signal: controller.signal, ...(leaseMs ? { leaseOwner: this.workerId } : {}) });
    try {
      return await this.#drive(run, controller, queue);
    } catch (error) {
      if (controller.signal.reason === LEASE_LOST || (error as { code?: string }).code === 'lease_lost') return (await store.getRun(runId))!;
      // The store failed under us: leave the run resumable and say why.
      await store.commit(runId, { releaseLease: this.workerId }).catch(() => undefined);
      throw error;
    } finally {
      stopKeeping();
    }
  }

  /**
   * Who started the run and what it asked for: kept on the run (migration 10); for runs from
   * before, as `run.created` recorded it, and runs older still are the local user's.
   */
  async #intakeOf(run: LeasedRun): Promise<{ principal: Principal; options: RunOptions }> {
    if (run.principal) return { principal: principalOf(run.principal), options: runOptionsOf(run.options ?? {}) };
    const [created] = await this.#deps.store.readEvents(run.id, { limit: 1 });
    if (created?.type !== 'run.created') return { principal: LOCAL_PRINCIPAL, options: DEFAULT_RUN_OPTIONS };
    const recorded = created.data.principal;
    return { principal: recorded ? principalOf(recorded) : principalOfActor(created.actor), options: runOptionsOf(created.data.options ?? {}) };
  }

  async #drive(run: LeasedRun, controller: AbortController, queue: CommitQueue): Promise<RunRecord> {
    const { store } = this.#deps;
    let outcome: PipelineOutcome;
    try {
      // A fresh run has no checkpoints; a resumed one loads them all in one query.
      const resumed = run.status === 'running';
      const checkpoints = resumed ? await store.loadCheckpoints(run.id) : new Map<string, unknown>();
      const start = resumed
        ? draft('run.resumed', 'engine', { worker: this.workerId, completed_steps: [...checkpoints.keys()].filter((step) => !step.startsWith('override:')) })
        : draft('run.started', 'engine', { worker: this.workerId });
      // Not awaited: it goes out while the first step works, and any failure surfaces at its checkpoint.
      queue.push({ events: [start], status: 'running' }).catch(() => undefined);
      const { principal, options } = await this.#intakeOf(run);
      const egress = options.runtime === 'wasm' ? [] : (options.allowedOutboundHosts ?? this.#deps.sandboxEgress ?? []);
      const context = new DurableRunContext({
        run,
        principal,
        options,
        queue,
        modelFor: (role) => this.#deps.resolveModel(this.#deps.roleModels?.[role] ?? run.model),
        sandbox: this.#deps.sandbox,
        sandboxLimits: this.#deps.sandboxLimits,
        sandboxEgress: egress,
        signal: controller.signal,
        checkpoints,
        ...(this.#deps.tools ? { tools: this.#deps.tools } : {}),
        ...(this.#deps.runTools ? { runTools: this.#deps.runTools(principal, options) } : {}),
        ...(this.#deps.costOf
          ? { costOf: (role: string, result: ChatResult) => this.#deps.costOf!(this.#deps.roleModels?.[role] ?? run.model, result.model, result.usage.inputTokens, result.usage.outputTokens) }
          : {}),
        ...(this.#deps.policy ? { policy: this.#deps.policy } : {}),
        ...(this.#deps.toolCallTimeoutMs ? { toolCallTimeoutMs: this.#deps.toolCallTimeoutMs } : {}),
      });
      outcome = await this.#deps.pipeline(context);
    } catch (error) {
      if (controller.signal.reason === SHUTDOWN) return (await queue.push({ releaseLease: this.workerId })).run;
      if (controller.signal.reason === LEASE_LOST || (error as { code?: string }).code === 'lease_lost') throw error;
      // The database went away: the run is not at fault. Leave it resumable; its worker tries again.
      if (isTransientStoreError(error)) throw error;
      return (await queue.push(stoppedCommit(error, controller.signal, this.workerId))).run;
    }
    // Artifacts and the final event in one commit (with the last step's checkpoint, queued
    // in this same tick): a run is never completed without its files and its last result.
    const final = outcomeCommit(run, outcome, this.workerId, this.#now());
    const [{ run: finished }] = await Promise.all([queue.push(final), mirrorArtifacts(this.#deps.home, run.id, final.artifacts)]);
    return finished;
  }

  /** A commit outside an execution (cancel of an idle run, lease release); announces its events. */
  async #commitNow(runId: string, commit: Commit): Promise<RunRecord> {
    return (await commitAndPublish(this.#deps, runId, commit)).run;
  }
}

/** A principal as a run keeps it, with only the roles umca knows. */
function principalOf(recorded: RecordedPrincipal): Principal {
  return { id: recorded.id, roles: recorded.roles.filter(isRole), via: recorded.via as Principal['via'] };
}

/** Who an actor without a recorded principal is: the local user, or an id with no roles. */
function principalOfActor(actor: string): Principal {
  return actor === LOCAL_PRINCIPAL.id ? LOCAL_PRINCIPAL : { id: actor, roles: [], via: 'local' };
}
