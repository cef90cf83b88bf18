import type { UmcaConfig } from './core/config.js';
import type { Bus } from './bus/bus.js';
import type { Engine } from './engine/engine.js';
import type { Worker } from './engine/worker.js';
import type { ResponseCache } from './gateway/cache/response-cache.js';
import type { ModelRegistry } from './gateway/model-registry.js';
import type { UsageMeter } from './gateway/usage/usage-meter.js';
import type { AccessGuard } from './identity/access-guard.js';
import type { McpToolSet } from './mcp/client/mcp-tool-set.js';
import type { DeferredPolicyEngine } from './policy/deferred-policy-engine.js';
import type { LaneSelector } from './sandbox/lane-selector.js';
import type { KeyService } from './services/key-service.js';
import type { KnowledgeService } from './services/knowledge-service.js';
import type { RunService } from './services/run-service.js';
import type { UsageService } from './services/usage-service.js';
import type { Store } from './store/store.js';

/**
 * umca as the composition root wires it (composition.ts): every plane, by the
 * implementation chosen. The process's edges (the HTTP server, the CLI) are handed this;
 * planes never see it, only each other's interfaces.
 */
export interface Umca {
  config: UmcaConfig;
  store: Store;
  bus: Bus;
  models: ModelRegistry;
  /** Usage records and Prometheus metrics of every model call. */
  meter: UsageMeter;
  /** The OpenAI-compatible API's reply cache, when `cache.enabled`. */
  cache: ResponseCache | undefined;
  sandbox: LaneSelector;
  engine: Engine;
  /** Who is calling and what they may do: every HTTP route checks here. */
  access: AccessGuard;
  /** The policy engine behind `access`; `policy.ready()` loads and validates it now. */
  policy: DeferredPolicyEngine;
  /** The tools of the MCP servers in `mcp.servers` (started on first use). */
  tools: McpToolSet;
  /** Executes queued runs once started (`umca serve`, `umca worker`, `umca mcp`); idle otherwise. */
  worker: Worker;
  /** The run use cases, for every door: `runs.for(principal)`. */
  runs: RunService;
  /** API keys: `keys.for(principal)`. */
  keys: KeyService;
  /** Usage totals: `usage.for(principal)`. */
  usage: UsageService;
  /** Knowledge bases: `knowledge.for(principal)`. */
  knowledge: KnowledgeService;
  close(): Promise<void>;
}
