import { parseEgressRules } from './egress-rules.js';
import { z } from 'zod';

/** Well-known OpenAI-compatible servers; the gateway's preset table must cover exactly these. */
export const PROVIDER_PRESETS = ['ollama', 'vllm', 'sglang', 'localai', 'llamacpp', 'openai', 'deepseek', 'dashscope', 'zhipu', 'openrouter', 'groq'] as const;

/** Settings every provider type shares. */
const providerCommon = {
  /** The model's name upstream, or for llama-cpp a GGUF file's path or URI. */
  model: z.string().min(1),
  timeout_ms: z.number().int().positive().default(120_000),
  connect_timeout_ms: z.number().int().positive().default(10_000),
  /** The model's context window in tokens; longer requests are fitted by routing.truncation. */
  context_tokens: z.number().int().positive().optional(),
};

const openAiCompatibleSchema = z
  .strictObject({
    type: z.literal('openai-compatible'),
    /** Fills base_url and api_key_env for a well-known server (src/gateway/providers/openai-compatible/presets.ts). */
    preset: z.enum(PROVIDER_PRESETS).optional(),
    base_url: z.url({ protocol: /^https?$/ }).optional(),
    api_key: z.string().optional(),
    api_key_env: z.string().optional(),
    /**
     * How the upstream holds a reply to a format: `json_schema` enforces each step's JSON Schema
     * (OpenAI, vLLM, SGLang, llama.cpp server, Ollama), `json_object` only JSON (DeepSeek…),
     * `none` neither (the reply is parsed as prose). Default: by preset, else json_object.
     */
    structured_output: z.enum(['json_schema', 'json_object', 'none']).optional(),
    ...providerCommon,
  })
  .refine((provider) => provider.base_url !== undefined || provider.preset !== undefined, {
    message: 'required unless a preset is given',
    path: ['base_url'],
  });

const anthropicSchema = z.strictObject({
  type: z.literal('anthropic'),
  /** Default https://api.anthropic.com. */
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  api_key: z.string().optional(),
  /** Default ANTHROPIC_API_KEY. */
  api_key_env: z.string().optional(),
  /** Anthropic requires a reply limit on every request; used when the caller sets none. */
  max_tokens: z.number().int().positive().default(4096),
  ...providerCommon,
});

const llamaCppSchema = z.strictObject({
  type: z.literal('llama-cpp'),
  /** A GGUF file's path, or a URI (https://…, hf:user/repo:quant) fetched on first use into UMCA_HOME/models. */
  model: z.string().min(1),
  /** The file's SHA-256 (hex); a file that does not match is refused, a download deleted. */
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits').optional(),
  context_tokens: z.number().int().positive().optional(),
  /** Requests answered at once, one context sequence each. */
  parallel: z.number().int().positive().max(64).default(1),
  gpu: z.union([z.literal('auto'), z.literal(false)]).default('auto'),
  /** Used when the caller sets no max tokens. */
  max_tokens: z.number().int().positive().default(1024),
});

const providerSchema = z.discriminatedUnion('type', [openAiCompatibleSchema, anthropicSchema, llamaCppSchema]);

const aliasTarget = z.union([z.string().min(1), z.strictObject({ model: z.string().min(1), weight: z.number().positive().default(1) })]);

/** `planner: [deepseek, qwen]` is shorthand for `{strategy: fallback, targets: [deepseek, qwen]}`. */
const aliasSchema = z.union([
  z.array(aliasTarget).min(1),
  z.strictObject({ strategy: z.enum(['fallback', 'weighted', 'least-latency']).default('fallback'), targets: z.array(aliasTarget).min(1) }),
]);

const limitsSchema = z.strictObject({
  requests_per_min: z.number().int().positive().optional(),
  tokens_per_min: z.number().int().positive().optional(),
  usd_per_day: z.number().positive().optional(),
});

/** `${env:NAME}` in a value is replaced by that variable (as VS Code's mcp.json does). */
const mcpServerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('stdio'),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('http'),
    url: z.url({ protocol: /^https?$/ }),
    headers: z.record(z.string(), z.string()).default({}),
  }),
]);

/** The shape of `umca.yaml`. Unknown keys are errors, so a typo names its field. */
export const configSchema = z.strictObject({
  home: z.string().min(1).default('.umca'),
  database_url: z.string().optional(),
  model: z.string().min(1).default('scripted:demo'),
  /** Scripted models (`scripted:NAME`): the shipped fixtures, and NAME.yaml files in fixtures_dir. */
  scripted: z.strictObject({
    /** A directory of the operator's fixtures (UMCA_FIXTURES_DIR overrides); names are letters, digits, _ and -. */
    fixtures_dir: z.string().min(1).optional(),
  }).prefault({}),
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case name'), providerSchema).default({}),
  aliases: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case name'), aliasSchema).default({}),
  routing: z.strictObject({
    /** Tries per upstream, the first included, on 429, 5xx, timeouts and lost connections. */
    max_attempts: z.number().int().min(1).max(10).default(3),
    backoff_initial_ms: z.number().int().min(1).default(200),
    backoff_max_ms: z.number().int().min(1).default(10_000),
    /** Consecutive failures that open an upstream's circuit, and how long it stays open. */
    breaker_failures: z.number().int().min(1).default(5),
    breaker_half_open_ms: z.number().int().min(1).default(30_000),
    first_token_timeout_ms: z.number().int().positive().default(30_000),
    total_timeout_ms: z.number().int().positive().default(120_000),
    /**
     * A request over a provider's context_tokens: drop the oldest turns (keeping system messages
     * and the last user turn), summarise them with summary_model into one system message, or refuse it.
     */
    truncation: z.enum(['drop-oldest', 'summarise', 'error']).default('drop-oldest'),
    /** The model (alias, provider or scripted fixture) that writes summaries for truncation: summarise. */
    summary_model: z.string().min(1).optional(),
    /** The longest summary, in tokens; room for it is kept in the window. */
    summary_max_tokens: z.number().int().positive().default(512),
  }).refine((routing) => routing.truncation !== 'summarise' || routing.summary_model !== undefined, {
    message: 'required when truncation is summarise',
    path: ['summary_model'],
  }).prefault({}),
  /** Limits per caller key (each bearer token, or `anonymous`) and per pipeline role. */
  budgets: z.strictObject({
    per_key: limitsSchema.optional(),
    roles: z.strictObject({ planner: limitsSchema.optional(), coder: limitsSchema.optional() }).prefault({}),
    /** Output tokens reserved for a request that sets no max_tokens, until its real usage is known. */
    default_output_tokens: z.number().int().positive().default(1_024),
  }).prefault({}),
  /** US dollars per million tokens, by upstream model name (or by the reference callers use). */
  prices: z.record(z.string(), z.strictObject({ input_per_mtok: z.number().nonnegative(), output_per_mtok: z.number().nonnegative() })).default({}),
  /** Exact-match reply cache for the OpenAI-compatible API; off unless enabled. */
  cache: z.strictObject({
    enabled: z.boolean().default(false),
    ttl_ms: z.number().int().positive().default(300_000),
    max_entries: z.number().int().positive().default(1_000),
    max_bytes: z.number().int().positive().default(64 * 1024 * 1024),
  }).prefault({}),
  server: z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(7070),
  }).prefault({}),
  limits: z.strictObject({
    spec_max_chars: z.number().int().positive().default(20_000),
    /** The reference documents a run may carry (its knowledge base), all together. */
    references_max_chars: z.number().int().positive().default(200_000),
    request_body_bytes: z.number().int().positive().default(1_048_576),
  }).prefault({}),
  pipeline: z.strictObject({
    max_plan_retries: z.number().int().min(0).max(10).default(2),
    max_code_attempts: z.number().int().min(1).max(10).default(3),
    /** A model reference (usually an alias) per agent role, used instead of the run's model. */
    roles: z.strictObject({
      planner: z.string().min(1).optional(),
      researcher: z.string().min(1).optional(),
      coder: z.string().min(1).optional(),
      /** The model the gates' rubric judges ask. */
      judge: z.string().min(1).optional(),
    }).prefault({}),
  }).prefault({}),
  auth: z.strictObject({
    /** `local`: no authentication, every caller is user:local (admin); only on a loopback bind. `token`: API keys and OIDC bearer tokens. */
    mode: z.enum(['local', 'token']).default('local'),
    oidc: z.strictObject({
      issuer: z.url(),
      audience: z.string().min(1),
      jwks_uri: z.url().optional(),
      /** Asymmetric algorithms only: an HMAC "signed" with the issuer's public key must never verify. */
      algorithms: z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).min(1).default(['RS256', 'ES256']),
      /** Keycloak client whose `resource_access` roles count. */
      client_id: z.string().min(1).optional(),
      clock_tolerance_s: z.number().int().min(0).max(300).default(5),
      jwks_cooldown_ms: z.number().int().min(0).default(30_000),
    }).optional(),
  }).prefault({}),
  gates: z.strictObject({
    g0: z.strictObject({
      /** Intake blocks under this score: 1 = any flag blocks, 0.5 = refusals block and flags pass, 0 = only policy denials block. */
      threshold: z.number().min(0).max(1).default(0.5),
    }).prefault({}),
    g1: z.strictObject({
      /** Plan completeness blocks under this score (the lowest of its evaluators). */
      threshold: z.number().min(0).max(1).default(0.8),
      /** Ask the judge model (role `judge`) to score the plan against a rubric, beside the structural checks. */
      judge: z.boolean().default(true),
    }).prefault({}),
    g2: z.strictObject({
      /** Research provenance blocks under this score: the share of findings whose citations hold. */
      threshold: z.number().min(0).max(1).default(0.5),
    }).prefault({}),
    g3: z.strictObject({
      /** Code checks block under this score; a forbidden API, a secret or an unlisted dependency scores 0. */
      threshold: z.number().min(0).max(1).default(0.5),
      /** Third-party packages the generated code may import or declare, each with its licence (SPDX id). */
      dependencies: z.record(z.string().min(1), z.strictObject({ license: z.string().min(1) })).default({}),
      /** Licences (SPDX ids) a declared dependency may carry. */
      allowed_licenses: z.array(z.string().min(1)).default(['MIT', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC', '0BSD', 'PSF-2.0', 'Unlicense']),
    }).prefault({}),
  }).prefault({}),
  policy: z.strictObject({
    /** `cedar` (embedded, default) or `opa` (an OPA server's HTTP decision API). */
    engine: z.enum(['cedar', 'opa']).default('cedar'),
    /** A directory of .cedar files used instead of the shipped policies/ (validated against policies/umca.cedarschema). */
    dir: z.string().min(1).optional(),
    opa: z.strictObject({
      url: z.url(),
      /** The decision's path under /v1/data, e.g. `umca/allow`. */
      path: z.string().min(1).default('umca/decision'),
      timeout_ms: z.number().int().positive().default(2_000),
      /** How long an OPA decision is reused for the same principal, action and resource (0: ask OPA every time); a policy changed on the OPA server applies after at most this long. */
      decision_cache_ms: z.number().int().min(0).max(3_600_000).default(1_000),
    }).optional(),
  }).superRefine((policy, ctx) => {
    if (policy.engine === 'opa' && !policy.opa) ctx.addIssue({ code: 'custom', path: ['opa'], message: 'required when policy.engine is opa' });
  }).prefault({}),
  /** Knowledge bases (umca kb): how documents are cut and how search ranks them. */
  knowledge: z.strictObject({
    /** The model new bases embed with (a gateway model reference); fixed per base at creation. */
    embedding_model: z.string().min(1).default('embedded:use-lite'),
    /** Most cl100k tokens in a chunk. */
    chunk_tokens: z.number().int().min(16).max(8_192).default(400),
    /** Tokens a chunk repeats from the end of the one before it in the same section. */
    chunk_overlap: z.number().int().min(0).max(4_096).default(60),
    /** Okapi BM25's term-frequency saturation and length normalisation. */
    bm25_k1: z.number().min(0).max(10).default(1.2),
    bm25_b: z.number().min(0).max(1).default(0.75),
    /**
     * Postings BM25 reads per query term, best first; the chunks found are scored exactly. A
     * term in more chunks than this (a common word in a large base) has its best postings read
     * only: search stays fast at 100,000 chunks, and is exact while no query term is that common.
     */
    bm25_candidates_per_term: z.number().int().min(10).max(1_000_000).default(500),
    /**
     * Chunks found that way which are scored exactly, ranked first by the postings read (at
     * least 4 × k). With the candidates, the trade between speed and agreeing with exact BM25
     * at 100,000 chunks (docs/benchmarks.md: 500 / 200 agree on 90% of the top 10, 1,000 / 400 on 97%, about 1.6× slower).
     */
    bm25_rescore: z.number().int().min(10).max(100_000).default(200),
    /**
     * Weights of the two retrievers in hybrid search's reciprocal rank fusion; 0 leaves one out.
     * Dense is 0 by default: on the labelled set of `npm run bench:kb` the embedded sentence
     * encoder lowers nDCG@10 at every weight above 0.05 (docs/benchmarks.md); give it a weight
     * with a stronger embedding model.
     */
    bm25_weight: z.number().min(0).max(10).default(1),
    dense_weight: z.number().min(0).max(10).default(0),
    /** The share of the researcher's context a run's retrieval may fill (its model's context_tokens, else retrieval_context_tokens). */
    retrieval_share: z.number().gt(0).max(1).default(0.25),
    /** The context assumed for a model whose provider sets no context_tokens. */
    retrieval_context_tokens: z.number().int().min(256).default(8_192),
    /** A source larger than this is reported and left out. */
    max_document_bytes: z.number().int().positive().default(20 * 1024 * 1024),
    /** The most a URL source's fetch may take, redirects and body included. */
    fetch_timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
    /**
     * Let URL sources reach private networks (10/8, 172.16/12, 192.168/16, fc00::/7) and
     * loopback: an intranet wiki. Off, a URL whose name resolves there is refused
     * (server-side request forgery); link-local and cloud metadata addresses are refused always.
     */
    fetch_private_networks: z.boolean().default(false),
    /**
     * A base gets its HNSW vector index (where the store has pgvector) when an add leaves it
     * with at least this many chunks; below it, dense search scans exactly (~4 µs a chunk of
     * 512 dimensions in PGlite, so ~16 ms here), and adding is faster without an index to keep up.
     */
    vector_index_min_chunks: z.number().int().min(0).default(4_000),
    /** Candidates an HNSW search keeps (pgvector's hnsw.ef_search): higher finds more of the exact top k, slower. */
    hnsw_ef_search: z.number().int().min(10).max(1_000).default(100),
    /**
     * Sources are read (parsed, chunked, their terms counted) in worker threads, while the
     * batch before them is embedded and written: this many (0: one per CPU but one, at most 4).
     */
    parse_workers: z.number().int().min(0).max(64).default(0),
    /** The most reading one source may take; a source past it (a hostile PDF) is reported and its worker replaced. */
    parse_timeout_ms: z.number().int().min(10).max(3_600_000).default(60_000),
    /** The heap one reading worker may use; a source that needs more is reported and its worker replaced. */
    parse_memory_mb: z.number().int().min(64).max(65_536).default(1_024),
  }).superRefine((knowledge, ctx) => {
    if (knowledge.chunk_overlap >= knowledge.chunk_tokens) ctx.addIssue({ code: 'custom', path: ['chunk_overlap'], message: 'must be smaller than chunk_tokens' });
    if (knowledge.bm25_weight === 0 && knowledge.dense_weight === 0) ctx.addIssue({ code: 'custom', path: ['dense_weight'], message: 'bm25_weight and dense_weight cannot both be 0' });
  }).prefault({}),
  /** Runs on repositories (`umca run --repo`). */
  repo: z.strictObject({
    /** A repository with more files at the run's commit is refused. */
    max_files: z.number().int().min(1).max(10_000_000).default(50_000),
    /** …or with more MiB of files. Its files also go into the test sandbox: sandbox.disk_mb must hold them. */
    max_mb: z.number().int().min(1).max(1_048_576).default(512),
    /** The most a clone or fetch of a URL may take. */
    clone_timeout_ms: z.number().int().min(1_000).max(3_600_000).default(300_000),
    /**
     * Let repository URLs reach private networks (10/8, 172.16/12, 192.168/16, fc00::/7) and
     * loopback: an intranet git server. Off, a URL whose name resolves there is refused;
     * link-local and cloud metadata addresses are refused always.
     */
    clone_private_networks: z.boolean().default(false),
    /** Who the hand-off commit on umca/<run-id> is by. */
    author: z.strictObject({ name: z.string().min(1).max(200).default('umca'), email: z.string().min(3).max(200).default('umca@localhost') }).prefault({}),
    /**
     * Where installed dependencies are kept, one layer per lockfile, shared read-only by the
     * runs whose lockfile it is. Default: a dir of this user's under the system's temp dir.
     */
    layers_dir: z.string().min(1).optional(),
    /** Characters of the repository's files the coder is shown with the plan (the rest through its tools). */
    coder_context_chars: z.number().int().min(1_000).max(10_000_000).default(60_000),
  }).prefault({}),
  /** NATS JetStream for events and the run queue (many processes); without a url, the in-process bus. */
  nats: z.strictObject({
    /** nats://host:port (UMCA_NATS_URL overrides). */
    url: z.string().regex(/^(nats|tls|wss?):\/\/\S+$/, 'expected a nats:// URL').optional(),
    /** The work-queue stream runs wait in; its subject is umca.queue.<stream>. */
    stream: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -').default('UMCA_RUNS'),
    replicas: z.number().int().min(1).max(5).default(1),
    /** How long a queued run may wait before the stream drops it (0: forever). */
    max_age_ms: z.number().int().min(0).default(0),
    /** A delivered run not acknowledged (or heartbeated) this long goes to another worker. */
    ack_wait_ms: z.number().int().min(1_000).default(30_000),
    /** Deliveries after which a run is dead-lettered and failed (its workers died each time). */
    max_deliver: z.number().int().min(1).max(100).default(5),
  }).prefault({}),
  workers: z.strictObject({
    /** Runs one worker process executes at once. */
    concurrency: z.number().int().min(1).max(256).default(4),
    /** A worker holds a run's lease this long past its last heartbeat; then another may take it over. */
    lease_ms: z.number().int().min(1_000).default(30_000),
    /** More runs waiting than this: POST /v1/runs answers 429 with Retry-After. */
    max_queue_depth: z.number().int().min(1).default(1_000),
  }).prefault({}),
  retention: z.strictObject({
    /** Finished runs' (completed, failed, cancelled) events older than this are archived: compressed, one row per run, still readable and verifiable. Off when absent. */
    archive_events_after_days: z.number().positive().optional(),
  }).prefault({}),
  /** External MCP servers whose tools umca's agents may call (the shape of VS Code's mcp.json). */
  mcp: z.strictObject({
    servers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case name (letters, digits, _ and -)'), mcpServerSchema).default({}),
    /** One tool call's limit; a call over it fails with `timeout`, the server keeps running. */
    call_timeout_ms: z.number().int().positive().default(30_000),
    /** How long a server may take to start and list its tools. */
    connect_timeout_ms: z.number().int().positive().default(20_000),
    /** A tool result (or any message from a server) over this size fails the call and restarts the server. */
    max_result_bytes: z.number().int().positive().default(1_048_576),
    /** Tool calls one agent step may make before it must answer. */
    max_tool_calls: z.number().int().min(0).max(100).default(8),
  }).prefault({}),
  sandbox: z.strictObject({
    timeout_ms: z.number().int().positive().default(5_000),
    memory_mb: z.number().int().min(8).max(2_048).default(64),
    output_bytes: z.number().int().positive().default(1_048_576),
    /** Network the tester's jobs may reach, through the egress proxy (process lane only). */
    allowed_outbound_hosts: z.array(z.string().min(1)).default([]),
    /** Writable space of a process-lane job (/work; /tmp gets half, /dev/shm a quarter), counted with its memory. */
    disk_mb: z.number().int().min(1).max(65_536).default(64),
    /** What makes the process lane's sandboxes: bubblewrap (namespaces + seccomp) or gVisor (runsc, a user-space kernel). */
    process_runtime: z.enum(['bwrap', 'gvisor']).default('bwrap'),
    /**
     * A memory cgroup per process-lane job, where umca may make one: the limit that counts
     * mappings, memfds and tmpfs pages together. Off: RLIMIT_AS and RLIMIT_DATA per process
     * (docs/security.md); ~10 ms less per job on a kernel whose memcg charging is slow.
     */
    memory_cgroup: z.boolean().default(true),
    /** Pyodide children kept loaded for the wasm-python lane. */
    python_pool: z.number().int().min(0).max(16).default(1),
  }).superRefine((sandbox, ctx) => {
    const { error } = parseEgressRules(sandbox.allowed_outbound_hosts);
    if (error) ctx.addIssue({ code: 'custom', path: ['allowed_outbound_hosts'], message: error });
  }).prefault({}),
});

export type UmcaConfig = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type AliasConfig = z.infer<typeof aliasSchema>;
export type ProviderPreset = (typeof PROVIDER_PRESETS)[number];
export type BudgetLimits = z.infer<typeof limitsSchema>;
export type RoutingConfig = UmcaConfig['routing'];
export type McpServerConfig = z.infer<typeof mcpServerSchema>;
