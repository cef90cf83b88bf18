import { NotFoundError, QueueFullError, InvalidRequestError } from '../core/errors.js';
import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import type { RunEvent } from '../core/events.js';
import { verifyChain } from '../core/hash-chain.js';
import { runOptionsFrom, type RepoOptions } from '../core/run-options.js';
import type { Repositories } from '../repo/repositories.js';
import { FINAL_STATUSES, type ArtifactRecord, type RunRecord } from '../core/run.js';
import { validateInput } from '../core/validate-input.js';
import type { Engine } from '../engine/engine.js';
import { followEvents } from '../engine/follow-events.js';
import type { AccessGuard } from '../identity/access-guard.js';
import type { Principal } from '../core/principal.js';
import { listRunsInput, MAX_SEQ, startRunInput, type ListRunsInput, type StartRunInput } from './run-input.js';
import type { ArtifactContent, RunPage, Runs, RunView } from './runs.js';

export interface RunServiceDeps {
  engine: Pick<Engine, 'createRun' | 'submit' | 'cancel' | 'override' | 'ownerOf'>;
  store: Pick<Store, 'getRun' | 'listRuns' | 'runCosts' | 'listArtifacts' | 'getArtifact' | 'readEvents'>;
  bus: Pick<Bus, 'queueDepth' | 'subscribe'>;
  access: Pick<AccessGuard, 'authorize' | 'readableRuns'>;
  /** The spec a scripted model's fixture carries, for a run started without one. */
  fixtureSpec(model: string): Promise<string | undefined>;
  /** Whether a knowledge base exists (a run naming one that does not is refused at the door). */
  knowledgeBaseExists?(name: string): Promise<boolean>;
  /** Checks and pins a repository a run names (absent: runs on repositories are refused). */
  repositories?: Pick<Repositories, 'resolve'>;
  /** The model of a run that names none (`model` in umca.yaml). */
  defaultModel: string;
  /** Runs waiting for a worker beyond which a new one is refused (`workers.max_queue_depth`). */
  maxQueueDepth: number;
  /** Milliseconds since the epoch; injected so tests can move time. */
  now?: () => number;
}

const DEFAULT_LIST_LIMIT = 50;

/**
 * The run use cases, written once. `for(principal)` gives the caller's view, which every
 * door uses: the HTTP routes, the MCP tools and the CLI's commands.
 */
export class RunService {
  readonly #deps: RunServiceDeps;
  readonly #now: () => number;
  /** The queue's depth, asked at most once a second. */
  #depth = { value: 0, at: Number.NEGATIVE_INFINITY };

  constructor(deps: RunServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** The use cases as this caller: each asks policy about the resource it touches. */
  for(principal: Principal): CallerRuns {
    return new CallerRuns(this, this.#deps, principal);
  }

  /** Back-pressure: 429 `queue_full` while `workers.max_queue_depth` runs wait for a worker. */
  async checkQueue(): Promise<void> {
    if (this.#now() - this.#depth.at > 1_000) this.#depth = { value: await this.#deps.bus.queueDepth(), at: this.#now() };
    const max = this.#deps.maxQueueDepth;
    if (this.#depth.value >= max) throw new QueueFullError(`${max} runs are waiting for a worker (workers.max_queue_depth); try again shortly`, 5_000);
  }

  /** How long a run took, once it ended (its last write); how long it has been going otherwise. */
  durationOf(run: RunRecord): number {
    const end = FINAL_STATUSES.has(run.status) ? Date.parse(run.updated_at) : this.#now();
    return Math.max(0, end - Date.parse(run.created_at));
  }
}

/** One caller's runs (see Runs). */
export class CallerRuns implements Runs {
  constructor(
    private readonly service: RunService,
    private readonly deps: RunServiceDeps,
    readonly principal: Principal,
  ) {}

  async start(input: StartRunInput): Promise<RunRecord> {
    const run = await this.#create(input, { claim: false });
    await this.deps.engine.submit(run.id);
    return run;
  }

  /**
   * A new run this process executes itself (the CLI without a server): recorded and leased
   * to this engine instead of queued, so the queue's depth does not apply.
   */
  startHere(input: StartRunInput): Promise<RunRecord> {
    return this.#create(input, { claim: true });
  }

  async get(id: string): Promise<RunView & { artifacts: Array<Omit<ArtifactRecord, 'run_id'>> }> {
    const run = await this.#readable(id);
    const [artifacts, costs] = await Promise.all([this.deps.store.listArtifacts(run.id), this.deps.store.runCosts([run.id])]);
    return { ...this.#view(run, costs), artifacts: artifacts.map(({ path, sha256, size }) => ({ path, sha256, size })) };
  }

  async list(query: ListRunsInput): Promise<RunPage> {
    const { status, before, q, limit = DEFAULT_LIST_LIMIT } = validateInput(listRunsInput, query);
    const text = q?.trim();
    const scope = await this.deps.access.readableRuns(this.principal);
    const runs = await this.deps.store.listRuns({ ...scope, limit, ...(status ? { status } : {}), ...(before ? { before } : {}), ...(text ? { text } : {}) });
    const costs = await this.deps.store.runCosts(runs.map((run) => run.id));
    return { data: runs.map((run) => this.#view(run, costs)), next: runs.length === limit ? (runs.at(-1)?.id ?? null) : null };
  }

  async events(id: string, options: { afterSeq?: number; limit?: number } = {}): Promise<RunEvent[]> {
    await this.#readable(id);
    checkSeq(options.afterSeq);
    return this.deps.store.readEvents(id, options);
  }

  async follow(id: string, options: { afterSeq?: number; signal?: AbortSignal; idleMs?: number } = {}): Promise<AsyncIterable<RunEvent | undefined>> {
    await this.#readable(id);
    checkSeq(options.afterSeq);
    return followEvents(this.deps, id, options);
  }

  async cancel(id: string, reason = 'cancelled through the API'): Promise<RunRecord> {
    const run = await this.#existing(id);
    // The default policies let a runner cancel its own runs and an operator any run.
    await this.deps.access.authorize(this.principal, 'cancel-run', { type: 'Run', id, attrs: { owner: await this.#ownerOf(run) } });
    return this.deps.engine.cancel(id, reason, this.principal.id);
  }

  async override(id: string, reason: string): Promise<RunRecord> {
    const reopened = await this.overrideHere(id, reason);
    await this.deps.engine.submit(reopened.id, { key: `${reopened.id}:override:${reopened.last_seq}` });
    return reopened;
  }

  /** The override, for a caller that executes the reopened run itself (the CLI without a server) instead of queueing it. */
  async overrideHere(id: string, reason: string): Promise<RunRecord> {
    await this.#existing(id);
    // The engine asks policy (override-gate, on the gate that blocked) and records the decision.
    return this.deps.engine.override(id, { principal: this.principal, reason });
  }

  async verify(id: string) {
    await this.#readable(id);
    return { run_id: id, ...verifyChain(await this.deps.store.readEvents(id)) };
  }

  async artifacts(id: string): Promise<ArtifactRecord[]> {
    await this.#readable(id);
    return this.deps.store.listArtifacts(id);
  }

  async artifact(id: string, path: string): Promise<ArtifactContent> {
    await this.#readable(id);
    const artifact = await this.deps.store.getArtifact(id, path);
    if (!artifact) throw new NotFoundError(`run ${id} has no artifact ${path}`, 'artifact_not_found');
    return artifact;
  }

  async #create(input: StartRunInput, options: { claim: boolean }): Promise<RunRecord> {
    const body = validateInput(startRunInput, input);
    const model = body.model ?? this.deps.defaultModel;
    const { principal } = this;
    await this.deps.access.authorize(principal, 'run', { type: 'Run', id: 'new', attrs: { owner: principal.id } });
    await this.deps.access.authorize(principal, 'use-model', { type: 'Model', id: model, attrs: { ref: model } });
    for (const name of body.kb ?? []) {
      await this.deps.access.authorize(principal, 'read-kb', { type: 'KnowledgeBase', id: name });
      if (this.deps.knowledgeBaseExists && !(await this.deps.knowledgeBaseExists(name))) throw new NotFoundError(`kb: no knowledge base ${name} (see umca kb list)`, 'kb_not_found');
    }
    if (!options.claim) await this.service.checkQueue();
    const spec = body.spec ?? (await this.deps.fixtureSpec(model));
    if (spec === undefined) throw new InvalidRequestError('spec: required (only a scripted model whose fixture carries a spec can do without)', 'invalid_request', 'spec');
    // A repository is checked and pinned to a commit before the run exists: no model is called for a bad one.
    const repo = body.repo === undefined ? undefined : await this.#repository(body.repo, body.ref, body.test_command);
    return this.deps.engine.createRun({ spec, model, principal, options: { ...runOptionsFrom({ ...body, repo: undefined }), ...(repo ? { repo } : {}) }, ...(options.claim ? { claim: true } : {}) });
  }

  /** The repository a run names, once policy lets the caller use it (and reach its host, for a URL). */
  async #repository(source: string, ref: string | undefined, testCommand: string | undefined): Promise<RepoOptions> {
    const repositories = this.deps.repositories;
    if (!repositories) throw new InvalidRequestError('repo: this umca does not work on repositories', 'invalid_request', 'repo');
    const url = /^https?:\/\//i.test(source) ? safeUrl(source) : undefined;
    await this.deps.access.authorize(this.principal, 'use-repo', { type: 'Repository', id: url?.href ?? source, attrs: { source: url?.href ?? source, local: url === undefined } });
    if (url) {
      const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
      await this.deps.access.authorize(this.principal, 'egress', { type: 'Host', id: `${url.hostname}:${port}`, attrs: { host: url.hostname, port } });
    }
    return repositories.resolve({ source, ...(ref ? { ref } : {}), ...(testCommand ? { testCommand } : {}) });
  }

  async #existing(id: string): Promise<RunRecord> {
    const run = await this.deps.store.getRun(id);
    if (!run) throw new NotFoundError(`run ${id} not found`, 'run_not_found');
    return run;
  }

  /** The run, once policy lets the caller `read-run` it (with its owner). */
  async #readable(id: string): Promise<RunRecord> {
    const run = await this.#existing(id);
    await this.deps.access.authorize(this.principal, 'read-run', { type: 'Run', id, attrs: { owner: await this.#ownerOf(run) } });
    return run;
  }

  async #ownerOf(run: RunRecord): Promise<string> {
    return run.owner ?? (await this.deps.engine.ownerOf(run.id));
  }

  #view(run: RunRecord, costs: Map<string, number>): RunView {
    return { ...run, duration_ms: this.service.durationOf(run), cost_usd: costs.get(run.id) ?? 0 };
  }
}

function safeUrl(source: string): URL {
  try {
    return new URL(source);
  } catch {
    throw new InvalidRequestError(`repo: "${source.slice(0, 200)}" is not a valid URL`, 'invalid_request', 'repo');
  }
}

function checkSeq(afterSeq: number | undefined): void {
  if (afterSeq !== undefined && (!Number.isInteger(afterSeq) || afterSeq < 0 || afterSeq > MAX_SEQ)) {
    throw new InvalidRequestError(`after: expected an integer seq from 0 to ${MAX_SEQ}`, 'invalid_request', 'after');
  }
}
