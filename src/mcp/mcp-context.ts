import type { UmcaConfig } from '../core/config.js';
import type { ModelRegistry } from '../gateway/model-registry.js';
import type { AccessGuard } from '../identity/access-guard.js';
import type { Principal } from '../core/principal.js';
import type { LaneSelector } from '../sandbox/lane-selector.js';
import type { KnowledgeService } from '../services/knowledge-service.js';
import type { RunService } from '../services/run-service.js';

/** The planes umca's MCP server reaches, by their interfaces (the composition root wires them). */
export interface McpPlanes {
  config: UmcaConfig;
  access: Pick<AccessGuard, 'authorize'>;
  models: Pick<ModelRegistry, 'resolve'>;
  sandbox: Pick<LaneSelector, 'select'>;
  /** The run use cases (umca_run…, umca://runs/…). */
  runs: RunService;
  /** Knowledge bases (kb_search, kb_add, kb_list). */
  knowledge: KnowledgeService;
}

/** What umca's MCP server works with: the planes it reaches, and the caller it serves. */
export interface McpContext {
  umca: McpPlanes;
  /** Who calls: the HTTP request's authenticated principal, or `user:local` over stdio. */
  principal: Principal;
  /** Where the HTTP API is, for links in answers (absent over stdio). */
  baseUrl?: string;
}

/** A tool's answer: JSON text for any client, and the same object as structured content. */
export function jsonResult(value: Record<string, unknown>): { content: Array<{ type: 'text'; text: string }>; structuredContent: Record<string, unknown> } {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value };
}
