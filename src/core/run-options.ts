/** What a run may ask for beyond its spec and model. */

/** The runtime a run asks for: the selector's choice (`auto`), WebAssembly only, or the process lane. */
export const RUNTIME_PREFERENCES = ['auto', 'wasm', 'process', 'gvisor'] as const;
export type RuntimePreference = (typeof RUNTIME_PREFERENCES)[number];

/** A document the run may cite (its knowledge base): API notes, a format's definition. */
export interface Reference {
  /** Cited as `ref:<name>`; letters, digits, `.`, `_`, `-`. */
  name: string;
  content: string;
}

export interface RunOptions {
  runtime: RuntimePreference;
  /** Network for this run's tests instead of `sandbox.allowed_outbound_hosts`; policy decides each at G0. */
  allowedOutboundHosts?: string[];
  references: Reference[];
  /** The tools its agents may call (`server.tool`); undefined: every tool policy allows, as it is offered. */
  tools?: string[];
  /** The knowledge bases its research searches and cites (`kb:<kb>/<doc>#<chunk>`). */
  knowledgeBases?: string[];
  /** An ingest job instead of a build: sources staged in the store, added to a knowledge base in durable batches. */
  ingest?: IngestJobOptions;
  /** Work on an existing repository instead of building from nothing: edits, its own tests, a branch. */
  repo?: RepoOptions;
}

/** The repository a run works on, pinned when the run starts. */
export interface RepoOptions {
  /** An absolute local path (the repository's top level) or an http(s) URL, as it was named. */
  source: string;
  kind: 'path' | 'url';
  /** The ref the caller named (a branch, tag or commit), `HEAD` by default. */
  ref: string;
  /** The commit that ref named when the run started: every step works from it. */
  commit: string;
  /** The repository's own test command, as `sh -c` runs it in the sandbox. */
  testCommand: string;
  /** The local working tree had uncommitted changes, which the run does not see (it starts from the commit). */
  dirty?: boolean;
}

/** The repository as a run records it (`run.created`'s `options.repo`). */
export interface RepoOptionsInput {
  source: string;
  kind: 'path' | 'url';
  ref: string;
  commit: string;
  test_command: string;
  dirty?: boolean;
}

export const repoRecorded = (repo: RepoOptions): RepoOptionsInput => ({
  source: repo.source,
  kind: repo.kind,
  ref: repo.ref,
  commit: repo.commit,
  test_command: repo.testCommand,
  ...(repo.dirty ? { dirty: true } : {}),
});

export const repoOf = (recorded: RepoOptionsInput): RepoOptions => ({
  source: recorded.source,
  kind: recorded.kind,
  ref: recorded.ref,
  commit: recorded.commit,
  testCommand: recorded.test_command,
  ...(recorded.dirty ? { dirty: true } : {}),
});

export interface IngestJobOptions {
  /** The knowledge base the sources go into. */
  kb: string;
  /** Where the sources wait in the store (kb_ingest_items). */
  staged: string;
  /** How many sources. */
  total: number;
}

export const DEFAULT_RUN_OPTIONS: RunOptions = Object.freeze({ runtime: 'auto', references: [] }) as RunOptions;

export const REFERENCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Run options as the HTTP API, MCP and CLI take them (snake case, all optional). */
export interface RunOptionsInput {
  runtime?: RuntimePreference | undefined;
  allowed_outbound_hosts?: string[] | undefined;
  references?: Reference[] | undefined;
  tools?: string[] | undefined;
  kb?: string[] | undefined;
  ingest?: IngestJobOptions | undefined;
  repo?: RepoOptionsInput | undefined;
}

/** The options a caller gave, leaving out what it did not: the engine checks and defaults them. */
export function runOptionsFrom(input: RunOptionsInput): Partial<RunOptions> {
  return {
    ...(input.runtime ? { runtime: input.runtime } : {}),
    ...(input.allowed_outbound_hosts ? { allowedOutboundHosts: input.allowed_outbound_hosts } : {}),
    ...(input.references ? { references: input.references } : {}),
    ...(input.tools ? { tools: input.tools } : {}),
    ...(input.kb?.length ? { knowledgeBases: input.kb } : {}),
  };
}

/** The options as a run keeps them (`run.created`'s `options`, the run row's), as the engine uses them. */
export function runOptionsOf(recorded: RunOptionsInput): RunOptions {
  return {
    runtime: recorded.runtime ?? 'auto',
    references: recorded.references ?? [],
    ...(recorded.allowed_outbound_hosts ? { allowedOutboundHosts: recorded.allowed_outbound_hosts } : {}),
    ...(recorded.tools ? { tools: recorded.tools } : {}),
    ...(recorded.kb?.length ? { knowledgeBases: recorded.kb } : {}),
    ...(recorded.ingest ? { ingest: recorded.ingest } : {}),
    ...(recorded.repo ? { repo: repoOf(recorded.repo) } : {}),
  };
}

/** The options as a run keeps them: what differs from the defaults, in the recorded shape. */
export function recordedOptions(options: RunOptions): RunOptionsInput {
  return {
    ...(options.runtime !== 'auto' ? { runtime: options.runtime } : {}),
    ...(options.allowedOutboundHosts ? { allowed_outbound_hosts: options.allowedOutboundHosts } : {}),
    ...(options.references.length ? { references: options.references } : {}),
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.knowledgeBases?.length ? { kb: options.knowledgeBases } : {}),
    ...(options.ingest ? { ingest: options.ingest } : {}),
    ...(options.repo ? { repo: repoRecorded(options.repo) } : {}),
  };
}
