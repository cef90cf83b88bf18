import type { Principal } from '../core/principal.js';

/** What a caller can ask umca to do. Each route, tool and CLI action against a server names one. */
export type Action = 'run' | 'read-run' | 'cancel-run' | 'use-model' | 'use-tool' | 'use-runtime' | 'egress' | 'override-gate' | 'read-usage' | 'read-kb' | 'write-kb' | 'use-repo' | 'accept-change' | 'admin';

/** What an action is about, with the attributes policies may test (see policies/umca.cedarschema). */
export type PolicyResource =
  | { type: 'Run'; id: string; attrs: { owner: string } }
  | { type: 'Model'; id: string; attrs: { ref: string } }
  | { type: 'Tool'; id: string; attrs: { server: string } }
  | { type: 'Runtime'; id: string; attrs: { wasm: boolean; isolation: RuntimeIsolation } }
  | { type: 'Host'; id: string; attrs: { host: string; port: number } }
  | { type: 'Gate'; id: string; attrs?: Record<string, never> }
  | { type: 'KnowledgeBase'; id: string; attrs?: Record<string, never> }
  /** A repository a run works on: `local` for a path on the host's disk, else a URL. */
  | { type: 'Repository'; id: string; attrs: { source: string; local: boolean } }
  /** A run's change to a repository, as G3 measured it: a risk from 0 to 100, files and lines touched. */
  | { type: 'Change'; id: string; attrs: { risk: number; files: number; lines: number } }
  | { type: 'System'; id: string; attrs?: Record<string, never> };

/** What separates a runtime's guest from the host: WebAssembly, Linux namespaces (bubblewrap) or gVisor's kernel. */
export type RuntimeIsolation = 'wasm' | 'namespaces' | 'gvisor';

export interface PolicyRequest {
  principal: Principal;
  action: Action;
  resource: PolicyResource;
}

export interface PolicyDecision {
  allowed: boolean;
  /** The policies that decided: the permits that allowed, or the forbids that denied; empty when nothing permitted. */
  policies: string[];
  /** Policies that could not be evaluated for this request (they count as not applying). */
  errors: string[];
}

/** Decides whether a principal may take an action on a resource. Policies are loaded once. */
export interface PolicyEngine {
  /** `cedar` or `opa`. */
  readonly name: string;
  decide(request: PolicyRequest): Promise<PolicyDecision>;
}
