import { resolve } from 'node:path';
import type { UmcaConfig } from './core/config.js';
import { ConfigError } from './core/errors.js';
import { createBuildPipeline, type BuildPipelineOptions } from './pipelines/build-pipeline.js';
import { createIngestPipeline } from './pipelines/ingest-pipeline.js';
import { createRepoPipeline } from './pipelines/repo-pipeline.js';
import { GitRepositories } from './repo/git-repositories.js';
import { DependencyLayers } from './repo/dependency-layers.js';
import { editableTree } from './repo/editable-tree.js';
import { repositoryTools } from './repo/repo-tools.js';
import { RepositoryIndex } from './services/repository-index.js';
import type { RepoOptions } from './core/run-options.js';
import { WorkerDocumentReader } from './knowledge/reader/worker-reader.js';
import type { Bus } from './bus/bus.js';
import { G0IntakeGate } from './gates/g0-intake.js';
import { G1PlanGate } from './gates/g1-plan.js';
import { G2ProvenanceGate } from './gates/g2-provenance.js';
import { G3CodeGate } from './gates/g3-code.js';
import { MemoryBus } from './bus/memory/memory-bus.js';
import { NatsBus } from './bus/nats/nats-bus.js';
import { Worker } from './engine/worker.js';
import { registerRunMetrics } from './engine/run-metrics.js';
import { Engine } from './engine/engine.js';
import type { Pipeline } from './engine/pipeline.js';
import type { RunRecord } from './core/run.js';
import { ResponseCache } from './gateway/cache/response-cache.js';
import { ModelRegistry, type ModelRegistryOptions } from './gateway/model-registry.js';
import { BudgetGuard } from './gateway/budget/budget-guard.js';
import { GatewayMetrics } from './gateway/usage/gateway-metrics.js';
import { UsageMeter } from './gateway/usage/usage-meter.js';
import { AccessGuard } from './identity/access-guard.js';
import type { Authenticator } from './identity/authenticator.js';
import { ApiKeyAuthenticator } from './identity/api-key-authenticator.js';
import { BearerAuthenticator } from './identity/bearer-authenticator.js';
import { LocalAdminAuthenticator } from './identity/local-admin-authenticator.js';
import { LocalAuthenticator } from './identity/local-authenticator.js';
import { OidcAuthenticator } from './identity/oidc-authenticator.js';
import { CedarPolicyEngine } from './policy/cedar/cedar-policy-engine.js';
import { OpaPolicyEngine } from './policy/opa/opa-policy-engine.js';
import { CachedPolicyEngine } from './policy/cached-policy-engine.js';
import { DeferredPolicyEngine } from './policy/deferred-policy-engine.js';
import { KeyService } from './services/key-service.js';
import { knowledgeTool } from './agents/knowledge-tool.js';
import { KnowledgeService } from './services/knowledge-service.js';
import { RunService } from './services/run-service.js';
import { UsageService } from './services/usage-service.js';
import type { PolicyEngine } from './policy/policy-engine.js';
import { LaneSelector } from './sandbox/lane-selector.js';
import { ProcessLane } from './sandbox/process/process-lane.js';
import type { SandboxLane } from './sandbox/sandbox-lane.js';
import { WasmJsLane } from './sandbox/wasm-js/wasm-js-lane.js';
import { WasmPythonLane } from './sandbox/wasm-python/wasm-python-lane.js';
import { openStore } from './store/open-store.js';
import { McpToolSet } from './mcp/client/mcp-tool-set.js';
import type { Store } from './store/store.js';
import type { Umca } from './umca.js';


/** Sources one batch (one durable step) of an ingest job adds. */
const INGEST_BATCH_SOURCES = 32;
export interface ComposeOptions {
  /** Use this store instead of opening the configured one (tests). */
  store?: Store;
  pipeline?: Pipeline;
  gates?: BuildPipelineOptions['gates'];
  scriptedDelayMs?: number;
  onBackgroundError?: (runId: string, error: unknown) => void;
  /** Progress of a model file fetched on first use (llama-cpp providers). */
  onDownload?: ModelRegistryOptions['onDownload'];
  /** Use this bus instead of the configured one (tests). */
  bus?: Bus;
  /** Where the worker says what went wrong with a run it could not finish. */
  log?: (message: string, error?: unknown) => void;
  /** Runs the worker executes at once, instead of `workers.concurrency`. */
  workerConcurrency?: number;
  /** A bearer token that authenticates as `user:local` (the CLI beside `umca serve`, src/cli/running-server.ts). */
  localAdminToken?: string;
}

/** NATS JetStream when `nats.url` (or UMCA_NATS_URL) names one — never a silent fallback; the in-process bus otherwise. */
async function createBus(config: UmcaConfig): Promise<Bus> {
  const { nats } = config;
  if (!nats.url) return new MemoryBus();
  return NatsBus.connect({ url: nats.url, stream: nats.stream, replicas: nats.replicas, maxAgeMs: nats.max_age_ms, ackWaitMs: nats.ack_wait_ms });
}

/** The authenticator `auth.mode` asks for, behind the guard every route and tool goes through. */
function createAccessGuard(config: UmcaConfig, store: Store, policy: PolicyEngine, localAdminToken?: string): AccessGuard {
  const authenticator = createAuthenticator(config, store);
  return new AccessGuard(localAdminToken ? new LocalAdminAuthenticator(authenticator, localAdminToken) : authenticator, policy);
}

/** `auth.mode: local` (everyone is user:local), else API keys and, when configured, OIDC bearer tokens. */
function createAuthenticator(config: UmcaConfig, store: Store): Authenticator {
  if (config.auth.mode === 'local') return new LocalAuthenticator();
  const oidc = config.auth.oidc;
  return new BearerAuthenticator(
    new ApiKeyAuthenticator(store),
    oidc
      ? new OidcAuthenticator({
          issuer: oidc.issuer,
          audience: oidc.audience,
          ...(oidc.jwks_uri ? { jwksUri: oidc.jwks_uri } : {}),
          algorithms: oidc.algorithms,
          ...(oidc.client_id ? { clientId: oidc.client_id } : {}),
          clockToleranceSeconds: oidc.clock_tolerance_s,
          jwksCooldownMs: oidc.jwks_cooldown_ms,
        })
      : undefined,
  );
}

/** The policy engine `policy.engine` names, loaded on first use or at `ready()` (Cedar's files are parsed and validated then). */
function createPolicyEngine(config: UmcaConfig): DeferredPolicyEngine {
  if (config.policy.engine === 'opa') {
    const opa = config.policy.opa!;
    const engine = () => new OpaPolicyEngine({ url: opa.url, path: opa.path, timeoutMs: opa.timeout_ms });
    return new DeferredPolicyEngine('opa', () => (opa.decision_cache_ms > 0 ? new CachedPolicyEngine(engine(), { ttlMs: opa.decision_cache_ms }) : engine()));
  }
  // Cedar's policies are loaded once per process, so its decisions hold for the process's life.
  return new DeferredPolicyEngine('cedar', () => new CachedPolicyEngine(CedarPolicyEngine.load(config.policy.dir ? resolve(config.policy.dir) : undefined)));
}

/** The composition root: the one place that picks implementations and wires the planes. */
export async function composeUmca(config: UmcaConfig, options: ComposeOptions = {}): Promise<Umca> {
  checkRoles(config); // before anything is opened
  const policy = createPolicyEngine(config);
  const store = options.store ?? (await openStore(config));
  for (const notice of store.notices) options.log?.(notice);
  let bus: Bus;
  try {
    bus = options.bus ?? (await createBus(config));
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = new GatewayMetrics();
  const meter = new UsageMeter({ store, metrics, prices: config.prices });
  const budgeted = Boolean(config.budgets.per_key) || Object.values(config.budgets.roles).some(Boolean);
  const guard = budgeted ? new BudgetGuard({ store, budgets: config.budgets }) : undefined;
  const models = new ModelRegistry(config, {
    meter,
    ...(guard ? { guard } : {}),
    ...(options.scriptedDelayMs === undefined ? {} : { scriptedDelayMs: options.scriptedDelayMs }),
    ...(options.onDownload ? { onDownload: options.onDownload } : {}),
  });
  const sandbox = createLanes(config);
  const tools = new McpToolSet(config.mcp);
  const cache = config.cache.enabled
    ? new ResponseCache({ ttlMs: config.cache.ttl_ms, maxEntries: config.cache.max_entries, maxBytes: config.cache.max_bytes })
    : undefined;
  const buildOptions: BuildPipelineOptions = {
    maxPlanRetries: config.pipeline.max_plan_retries,
    maxCodeAttempts: config.pipeline.max_code_attempts,
    maxToolCalls: config.mcp.max_tool_calls,
    // G0–G3 always run; callers (tests) add their own gates after each.
    gates: {
      intake: [new G0IntakeGate({ policy, threshold: config.gates.g0.threshold, tools }), ...(options.gates?.intake ?? [])],
      afterPlan: [new G1PlanGate({ threshold: config.gates.g1.threshold, judge: config.gates.g1.judge }), ...(options.gates?.afterPlan ?? [])],
      afterResearch: [new G2ProvenanceGate({ threshold: config.gates.g2.threshold }), ...(options.gates?.afterResearch ?? [])],
      afterCode: [
        new G3CodeGate({ policy, sandbox, threshold: config.gates.g3.threshold, dependencies: config.gates.g3.dependencies, allowedLicenses: config.gates.g3.allowed_licenses }),
        ...(options.gates?.afterCode ?? []),
      ],
    },
    roleModels: Object.values(config.pipeline.roles).filter((ref): ref is string => Boolean(ref)),
    // Used once a run executes, by when the service below exists.
    knowledge: { for: (principal) => knowledge.for(principal) },
    retrievalTokens: (model) => {
      const ref = config.pipeline.roles.researcher ?? model;
      const window = config.providers[ref.split('/')[0]!]?.context_tokens ?? config.knowledge.retrieval_context_tokens;
      return Math.floor(window * config.knowledge.retrieval_share);
    },
  };
  const build = options.pipeline ?? createBuildPipeline(buildOptions);
  const repositories = new GitRepositories({
    home: config.home,
    maxFiles: config.repo.max_files,
    maxBytes: config.repo.max_mb * 1024 * 1024,
    cloneTimeoutMs: config.repo.clone_timeout_ms,
    clonePrivateNetworks: config.repo.clone_private_networks,
  });
  // Used once a run executes, by when the knowledge service below exists.
  const repositoryIndex = { update: (repo: RepoOptions, o: { signal?: AbortSignal }) => new RepositoryIndex({ knowledge, store: store.knowledge, repositories, maxFileBytes: config.knowledge.max_document_bytes }).update(repo, o) };
  const onRepository = createRepoPipeline({ ...buildOptions, repositories, author: config.repo.author, shownChars: config.repo.coder_context_chars, index: repositoryIndex, dependencyLayers: new DependencyLayers(config.repo.layers_dir ? resolve(config.repo.layers_dir) : undefined) });
  // An ingest job is a run too: the same queue, workers, leases, log and resume.
  const ingest = createIngestPipeline({
    knowledge: { for: (principal) => knowledge.for(principal) },
    staged: { read: (staged, from, limit) => store.knowledge.stagedKbIngest(staged, from, limit), drop: (staged) => store.knowledge.dropKbIngest(staged) },
    batchSources: INGEST_BATCH_SOURCES,
  });
  const pipeline: Pipeline = (context) => (context.options.ingest ? ingest(context) : context.options.repo ? onRepository(context) : build(context));
  const engine = new Engine({
    store,
    bus,
    pipeline,
    sandbox,
    sandboxLimits: {
      timeoutMs: config.sandbox.timeout_ms,
      memoryBytes: config.sandbox.memory_mb * 1024 * 1024,
      outputBytes: config.sandbox.output_bytes,
      diskBytes: config.sandbox.disk_mb * 1024 * 1024,
    },
    sandboxEgress: config.sandbox.allowed_outbound_hosts,
    resolveModel: (ref) => models.resolve(ref),
    roleModels: config.pipeline.roles,
    home: config.home,
    specMaxChars: config.limits.spec_max_chars,
    referencesMaxChars: config.limits.references_max_chars,
    policy,
    tools,
    // A run that names knowledge bases gives its agents their search as a tool.
    runTools: (principal, runOptions) => [
      // The run's bases, and the index of the repository it works on, searchable through one tool.
      ...(runOptions.knowledgeBases?.length || runOptions.repo
        ? [knowledgeTool([...(runOptions.repo ? [RepositoryIndex.baseName(runOptions.repo.source)] : []), ...(runOptions.knowledgeBases ?? [])], knowledge.for(principal))]
        : []),
      // A run on a repository reads it through tools: its files, a search, an outline.
      ...(runOptions.repo ? repositoryTools(repositories, runOptions.repo, once(() => editableTree(repositories, runOptions.repo!))) : []),
    ],
    toolCallTimeoutMs: config.mcp.call_timeout_ms,
    leaseMs: config.workers.lease_ms,
    costOf: (ref, upstream, input, output) => meter.cost(ref, upstream, input, output),
    ...(options.onBackgroundError ? { onBackgroundError: options.onBackgroundError } : {}),
  });
  const worker = new Worker({
    engine,
    store,
    bus,
    concurrency: options.workerConcurrency ?? config.workers.concurrency,
    maxDeliver: config.nats.max_deliver,
    ...(options.log ? { log: options.log } : {}),
  });
  registerRunMetrics(metrics.registry, { bus, engine, worker });
  const access = createAccessGuard(config, store, policy, options.localAdminToken);
  const runs = new RunService({
    engine,
    store,
    bus,
    access,
    fixtureSpec: (model) => models.fixtures.spec(model),
    knowledgeBaseExists: async (name) => (await store.knowledge.getKnowledgeBase(name)) !== undefined,
    repositories,
    defaultModel: config.model,
    maxQueueDepth: config.workers.max_queue_depth,
  });
  const keys = new KeyService({ store, access });
  const usage = new UsageService({ store, access, flush: () => meter.flush() });
  const reader = new WorkerDocumentReader({ workers: config.knowledge.parse_workers, timeoutMs: config.knowledge.parse_timeout_ms, memoryMb: config.knowledge.parse_memory_mb });
  const knowledge: KnowledgeService = new KnowledgeService({
    store: store.knowledge,
    reader,
    access,
    resolveModel: (ref) => models.resolve(ref),
    settings: config.knowledge,
    jobs: {
      create: async (input): Promise<RunRecord> => {
        await runs.checkQueue();
        return engine.createRun(input);
      },
      submit: (id) => engine.submit(id),
      cancel: async (id, reason) => {
        await engine.cancel(id, reason, 'engine');
      },
      getRun: (id) => store.getRun(id),
      readEvents: (id, options) => store.readEvents(id, options),
    },
  });
  return {
    config,
    store,
    bus,
    models,
    meter,
    cache,
    sandbox,
    engine,
    access,
    policy,
    tools,
    worker,
    runs,
    keys,
    usage,
    knowledge,
    async close() {
      await worker.stop();
      await engine.close();
      await reader.close();
      await tools.close();
      await models.close();
      await meter.flush();
      await sandbox.close();
      await bus.close();
      await store.close();
    },
  };
}

/** `make`, called once and its promise kept; after a rejection, called again next time. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () =>
    (made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    }));
}

/** Every role mapped in `pipeline.roles` names a model that exists. */
function checkRoles(config: UmcaConfig): void {
  const probe = new ModelRegistry(config);
  for (const [role, ref] of Object.entries(config.pipeline.roles)) {
    try {
      if (ref) probe.resolve(ref);
    } catch (error) {
      throw new ConfigError(`pipeline.roles.${role}: ${(error as Error).message}`);
    }
  }
}

/**
 * The sandbox lanes this machine can offer. wasm-js always; wasm-python and the process
 * lane need bubblewrap, whose absence leaves them out (the selector then names what is
 * missing); the process lane under gVisor (`gvisor`) needs runsc. `sandbox.process_runtime`
 * says which of the two runs process jobs; a run may ask for `gvisor` by name.
 */
function createLanes(config: UmcaConfig): LaneSelector {
  const lanes: SandboxLane[] = [new WasmJsLane()];
  const hide = [resolve(config.home)];
  const diskBytes = config.sandbox.disk_mb * 1024 * 1024;
  const memory = config.sandbox.memory_cgroup ? {} : { cgroups: false as const };
  if (ProcessLane.check().ok) lanes.push(new WasmPythonLane({ poolSize: config.sandbox.python_pool, hide }), new ProcessLane({ hide, diskBytes, ...memory }));
  if (ProcessLane.check('gvisor').ok) lanes.push(new ProcessLane({ hide, diskBytes, runtime: 'gvisor', ...memory }));
  return new LaneSelector({ lanes, processLane: config.sandbox.process_runtime === 'gvisor' ? 'gvisor' : 'process' });
}
