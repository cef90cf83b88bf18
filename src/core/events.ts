import { z } from 'zod';
import { EventInvalidError } from './errors.js';

/**
 * umca-events v2 — the one schema every plane reads and writes.
 * A change here is a new version (`umca-events.v3`), never a silent edit:
 * `schemas/umca-events.v2.json` is generated from this file and a test fails when stale.
 * v2 only adds to v1 (sandbox statuses and fields, `sandbox.egress`, policy decisions, run
 * options, gate overrides, tool calls): every v1 event is a valid v2 event.
 * `schemas/umca-events.v1.json` stays as it was published.
 */
export const EVENTS_SCHEMA_VERSION = 'umca-events.v2';

const errorInfo = z.object({ code: z.string(), message: z.string() });
const usage = z.object({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  /** v2: of the output, a reasoning model's thinking tokens (where the upstream says). */
  reasoning_tokens: z.number().int().nonnegative().optional(),
});
const testResult = z.object({ name: z.string(), ok: z.boolean(), error: z.string().optional(), duration_ms: z.number().nonnegative() });

/** The payload of each event type. */
export const eventData = {
  'run.created': z.object({
    spec: z.string(),
    model: z.string(),
    scripted: z.boolean(),
    /** v2: who started the run, with the roles its policy decisions use. */
    principal: z.object({ id: z.string(), roles: z.array(z.string()), via: z.string() }).optional(),
    /** v2: what the run asked for beyond the spec: a runtime, network, reference documents. */
    options: z
      .object({
        runtime: z.enum(['auto', 'wasm', 'process', 'gvisor']).optional(),
        allowed_outbound_hosts: z.array(z.string()).optional(),
        references: z.array(z.object({ name: z.string(), content: z.string() })).optional(),
        /** The tools its agents may call (`server.tool`); absent: every tool policy allows. */
        tools: z.array(z.string()).optional(),
        /** v2: the knowledge bases its research searches. */
        kb: z.array(z.string()).optional(),
        /** v2: an ingest job: its sources (staged in the store) go into this knowledge base. */
        ingest: z.object({ kb: z.string(), staged: z.string(), total: z.number().int().nonnegative() }).optional(),
        /** v2: the repository it works on, pinned to the commit its ref named at the start. */
        repo: z
          .object({ source: z.string(), kind: z.enum(['path', 'url']), ref: z.string(), commit: z.string(), test_command: z.string(), dirty: z.boolean().optional() })
          .optional(),
      })
      .optional(),
  }),
  'run.started': z.object({ worker: z.string() }),
  'run.resumed': z.object({ worker: z.string(), completed_steps: z.array(z.string()) }),
  'step.started': z.object({ step: z.string(), kind: z.enum(['agent', 'gate', 'sandbox', 'ingest', 'repo']), attempt: z.number().int().positive() }),
  'step.completed': z.object({ step: z.string(), duration_ms: z.number().nonnegative() }),
  'step.failed': z.object({ step: z.string(), duration_ms: z.number().nonnegative(), error: errorInfo }),
  'model.request': z.object({
    step: z.string(),
    role: z.string(),
    provider: z.string(),
    model: z.string(),
    messages: z.number().int().nonnegative(),
    prompt_chars: z.number().int().nonnegative(),
  }),
  'model.response': z.object({
    step: z.string(),
    role: z.string(),
    provider: z.string(),
    model: z.string(),
    finish_reason: z.string(),
    usage,
    latency_ms: z.number().nonnegative(),
    content: z.string(),
    /** v2: a reasoning model's thinking, apart from its reply (what the step parses is `content`). */
    reasoning: z.string().optional(),
    /** v2: what the call cost, at `prices` (0 for a model without a price, and for scripted replies). */
    cost_usd: z.number().nonnegative().optional(),
  }),
  /** v2: a model's reply did not parse (or, for a coder on a repository, its edits did not apply): the reason it is sent back with. */
  'model.reply_rejected': z.object({ step: z.string(), role: z.string(), turn: z.number().int().nonnegative(), reason: z.string(), retry: z.boolean() }),
  'gate.decision': z.object({
    gate: z.string(),
    step: z.string(),
    decision: z.enum(['pass', 'block']),
    score: z.number().min(0).max(1).optional(),
    reasons: z.array(z.string()),
    /** v2: the score under which the gate blocks, and every evaluator's own score and reason. */
    threshold: z.number().min(0).max(1).optional(),
    evaluators: z.array(z.object({ id: z.string(), score: z.number().min(0).max(1), reason: z.string() })).optional(),
  }),
  /** v2: one question to the policy engine and its answer. */
  'policy.decision': z.object({
    step: z.string(),
    engine: z.string(),
    principal: z.string(),
    roles: z.array(z.string()),
    action: z.string(),
    resource: z.object({ type: z.string(), id: z.string() }),
    decision: z.enum(['allow', 'deny']),
    /** The policies that decided (the permits that allowed, or the forbids that denied). */
    policies: z.array(z.string()),
  }),
  'sandbox.started': z.object({
    step: z.string(),
    lane: z.string(),
    reason: z.string(),
    limits: z.object({ timeout_ms: z.number(), memory_bytes: z.number(), output_bytes: z.number() }),
    /** v2: the job's language and the network it was granted. */
    language: z.enum(['javascript', 'python', 'bash']).optional(),
    allowed_outbound_hosts: z.array(z.string()).optional(),
  }),
  'sandbox.finished': z.object({
    step: z.string(),
    lane: z.string(),
    /** `error` is v1's name for what v2 calls `nonzero_exit`. */
    status: z.enum(['ok', 'error', 'nonzero_exit', 'timeout', 'oom', 'output_limit', 'disk_limit', 'egress_denied', 'crashed']),
    message: z.string(),
    duration_ms: z.number().nonnegative(),
    tests: z.array(testResult),
    /** stdout then stderr, as v1 recorded it. */
    output: z.string(),
    output_truncated: z.boolean(),
    stdout: z.string().optional(),
    stderr: z.string().optional(),
    exit_code: z.number().int().nullable().optional(),
    artifacts: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).optional(),
    usage: z.object({ wall_ms: z.number().nonnegative(), cpu_ms: z.number().nonnegative().optional(), max_rss_bytes: z.number().int().nonnegative().optional() }).optional(),
  }),
  /** v2: an agent called a tool (an external MCP server's, `server.tool`). */
  'tool.call': z.object({
    step: z.string(),
    /** Unique in the run; a tool result cited as a source is `tool:<call_id>`. */
    call_id: z.string(),
    tool: z.string(),
    server: z.string(),
    /** The arguments as the model wrote them (cut at 16 KiB). */
    arguments: z.string(),
  }),
  /** v2: what the tool call came to. */
  'tool.result': z.object({
    step: z.string(),
    call_id: z.string(),
    tool: z.string(),
    status: z.enum(['ok', 'error', 'denied', 'unavailable', 'timeout', 'too_large', 'invalid_arguments']),
    duration_ms: z.number().nonnegative(),
    /** The result's size in bytes, as the server sent it. */
    size_bytes: z.number().int().nonnegative(),
    /** The text the model was given (cut at 16 KiB). */
    content: z.string(),
  }),
  /**
   * v2: what a run's retrieval took from a knowledge base (citable as `kb:<kb>/<doc_id>#<ord>`,
   * each with its span in its source and the sha256 of its text), or why it took nothing
   * (`unavailable`: the base is gone or the store failed; the run goes on without it).
   */
  'kb.retrieval': z.object({
    step: z.string(),
    kb: z.string(),
    status: z.enum(['ok', 'unavailable', 'denied']),
    query_chars: z.number().int().nonnegative(),
    /** cl100k tokens of the chunks kept, within the retrieval quota. */
    tokens: z.number().int().nonnegative(),
    chunks: z.array(
      z.object({ citation: z.string(), doc_id: z.string(), ord: z.number().int().nonnegative(), source: z.string(), start: z.number().int().nonnegative(), end: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/), score: z.number() }),
    ),
    reason: z.string().optional(),
  }),
  /**
   * v2: one batch of an ingest job went into its knowledge base: how far the job is
   * (`done` of `total` sources) and what the batch came to.
   */
  'kb.ingested': z.object({
    step: z.string(),
    kb: z.string(),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    added: z.number().int().nonnegative(),
    updated: z.number().int().nonnegative(),
    unchanged: z.number().int().nonnegative(),
    chunks: z.number().int().nonnegative(),
    embedded: z.number().int().nonnegative(),
    failed: z.array(z.object({ source: z.string(), reason: z.string() })),
    /** The base's vector index after the batch (the last batch builds it). */
    vector_index: z.enum(['built', 'ready', 'small', 'exact', 'none']).optional(),
  }),
  /** v2: a repository run's worktree is ready at the run's commit (made now, or found by a resumed run). */
  'repo.prepared': z.object({
    step: z.string(),
    source: z.string(),
    commit: z.string(),
    worktree: z.string(),
    files: z.number().int().nonnegative(),
    created: z.boolean(),
    test_command: z.string(),
    /** The local working tree had uncommitted changes, which the run does not see. */
    dirty: z.boolean(),
  }),
  /** v2: the repository's index (a knowledge base, BM25 alone) is at the run's commit: reused as it was, or brought there. */
  'repo.indexed': z.object({
    step: z.string(),
    kb: z.string(),
    commit: z.string(),
    reused: z.boolean(),
    /** The commit the index was brought from; null when built from nothing. */
    from: z.string().nullable(),
    added: z.number().int().nonnegative(),
    updated: z.number().int().nonnegative(),
    unchanged: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
    chunks: z.number().int().nonnegative(),
    failed: z.array(z.object({ source: z.string(), reason: z.string() })),
  }),
  /** v2: a coder attempt's edits applied (in memory, then to the worktree): what the change now is, file by file. */
  'repo.edited': z.object({
    step: z.string(),
    attempt: z.number().int().positive(),
    files: z.array(
      z.object({ path: z.string(), change: z.enum(['added', 'modified', 'deleted']), added_lines: z.number().int().nonnegative(), removed_lines: z.number().int().nonnegative() }),
    ),
  }),
  /** v2: the run's change committed on its branch, and its patch. */
  'repo.handoff': z.object({
    step: z.string(),
    branch: z.string(),
    commit: z.string(),
    base: z.string(),
    files: z.number().int().nonnegative(),
    patch: z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }),
  }),
  /** v2: one connection a sandboxed guest asked the egress proxy for. */
  'sandbox.egress': z.object({
    step: z.string(),
    lane: z.string(),
    host: z.string(),
    port: z.number().int(),
    allowed: z.boolean(),
    reason: z.string(),
    address: z.string().optional(),
  }),
  'artifact.created': z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }),
  'run.completed': z.object({ artifacts: z.number().int().nonnegative(), attempts: z.number().int().nonnegative(), duration_ms: z.number().nonnegative() }),
  'run.failed': z.object({ reason: z.string(), error: errorInfo }),
  'run.blocked': z.object({
    gate: z.string(),
    reasons: z.array(z.string()),
    /** v2: the gate's step, which an override names. */
    step: z.string().optional(),
  }),
  /** v2: an operator let a blocked run go on past a gate's block, with a reason. */
  'gate.overridden': z.object({ gate: z.string(), step: z.string(), by: z.string(), reason: z.string(), reasons_overridden: z.array(z.string()) }),
  'run.cancelled': z.object({ reason: z.string() }),
} as const;

export type EventType = keyof typeof eventData;
export const EVENT_TYPES = Object.keys(eventData) as EventType[];
export type EventDataOf<T extends EventType> = z.infer<(typeof eventData)[T]>;

/** Events after which nothing more is appended to a run. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<EventType> = new Set(['run.completed', 'run.failed', 'run.blocked', 'run.cancelled']);

const HASH = z.string().regex(/^[0-9a-f]{64}$/);

const envelopeFields = {
  id: z.string().min(1),
  run_id: z.string().min(1),
  seq: z.number().int().positive(),
  ts: z.string().datetime(),
  actor: z.string().min(1),
  prev_hash: HASH,
  hash: HASH,
  trace_id: z.string().regex(/^[0-9a-f]{32}$/),
};

const variants = EVENT_TYPES.map((type) =>
  z.object({ ...envelopeFields, type: z.literal(type), data: eventData[type] }),
);

/** The full event envelope, discriminated on `type`. */
export const runEventSchema = z.discriminatedUnion('type', variants as unknown as [
  (typeof variants)[number],
  ...(typeof variants)[number][],
]);

type EnvelopeBase = {
  id: string;
  run_id: string;
  seq: number;
  ts: string;
  actor: string;
  prev_hash: string;
  hash: string;
  trace_id: string;
};

/** One stored event. `data` is typed by `type`. */
export type RunEvent = { [T in EventType]: EnvelopeBase & { type: T; data: EventDataOf<T> } }[EventType];

/**
 * What a writer supplies; the store assigns seq, ts, prev_hash and hash. An `id` makes the
 * append idempotent: a commit whose events are already stored (a retry after a lost reply)
 * is not stored again.
 */
export type EventDraft = { [T in EventType]: { type: T; actor: string; data: EventDataOf<T>; id?: string } }[EventType];

/** The chain's anchor: the prev_hash of every run's first event. */
export const GENESIS_HASH = '0'.repeat(64);

export function draft<T extends EventType>(type: T, actor: string, data: EventDataOf<T>): EventDraft {
  return { type, actor, data } as EventDraft;
}

/** The largest `data` one event may carry, as JSON: the log is read whole by SSE, the console and verifiers. */
export const MAX_EVENT_DATA_BYTES = 1024 * 1024;

/**
 * Checks a draft before it is queued: its data against its type's schema, and its size. Throws
 * EventInvalidError naming the type and the first wrong field, so a bad event fails its step
 * once instead of failing every commit after it.
 */
export function checkEventDraft(item: EventDraft): void {
  const schema = eventData[item.type] as z.ZodType | undefined;
  if (!schema) throw new EventInvalidError(`umca could not record an event of unknown type "${String(item.type).slice(0, 60)}"`);
  const parsed = schema.safeParse(item.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EventInvalidError(`umca could not record ${item.type}: ${issue?.path.join('.') || 'data'}: ${issue?.message ?? 'invalid'}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(item.data));
  if (bytes > MAX_EVENT_DATA_BYTES) throw new EventInvalidError(`umca could not record ${item.type}: its data is ${bytes} bytes, over the ${MAX_EVENT_DATA_BYTES}-byte bound of one event`);
}
