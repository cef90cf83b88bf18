import type { Principal } from '../core/principal.js';
import type { Action, PolicyResource } from '../policy/policy-engine.js';
import { CONSOLE_ROUTES } from './console-ui.js';

/**
 * What a route asks the policy engine: an action, and the resource as far as the edge
 * knows it. `resource` undefined: the edge only authenticates, and the service behind the
 * route asks policy about the real resource once it has loaded it (the run with its owner,
 * the model a run names). `public`: no check at all.
 */
export type RouteAccess = 'public' | { action: Action; resource?: (principal: Principal) => PolicyResource };

const SYSTEM = (id: string) => (): PolicyResource => ({ type: 'System', id });
/** Runs the caller started: what a runner may read; the list then shows only those (runs-routes.ts). */
const OWN_RUNS = (principal: Principal): PolicyResource => ({ type: 'Run', id: '*', attrs: { owner: principal.id } });
const RUN_PATH = /^\/v1\/runs\/([^/]+)(?:\/|$)/;

/**
 * The access each HTTP route needs. One table for the Hono app and the node:http hot path,
 * so no route is left unchecked by accident: anything not listed needs `read-run`.
 */
export function routeAccess(method: string, path: string): RouteAccess {
  if (path === '/healthz' || path === '/readyz' || path === '/v1/auth/config') return 'public';
  // The web console's pages and assets hold no data; it signs in to the API like any client.
  if ((method === 'GET' || method === 'HEAD') && (CONSOLE_ROUTES.test(path) || path.startsWith('/assets/'))) return 'public';
  // MCP: authenticated here; each tool, resource and prompt then asks policy as the caller.
  if (path === '/mcp' || path === '/mcp/') return { action: 'read-run' };
  if (path === '/metrics') return { action: 'read-usage', resource: SYSTEM('usage') };
  // The usage and key services ask policy themselves (read-usage, admin).
  if (path === '/v1/usage' || path.startsWith('/v1/usage/')) return { action: 'read-usage' };
  if (path === '/v1/keys' || path.startsWith('/v1/keys/')) return { action: 'admin' };
  // Knowledge bases: the knowledge service asks read-kb or write-kb about each base.
  if (path === '/v1/kb' || path.startsWith('/v1/kb/')) return { action: 'read-kb' };
  if (path === '/v1/chat/completions' || path === '/v1/responses' || path === '/v1/embeddings' || path === '/v1/models' || path.startsWith('/v1/models/'))
    return { action: 'use-model', resource: () => ({ type: 'Model', id: '*', attrs: { ref: '*' } }) };
  // Runs: the run service asks policy about each run (its owner) and the model a new one names.
  if (path === '/v1/runs' && method === 'POST') return { action: 'run' };
  if (method === 'POST' && /^\/v1\/runs\/[^/]+\/cancel$/.test(path)) return { action: 'cancel-run' };
  // The engine decides an override once it knows which gate blocked the run.
  if (method === 'POST' && /^\/v1\/runs\/[^/]+\/override$/.test(path)) return { action: 'override-gate' };
  if (path === '/v1/runs' || RUN_PATH.test(path)) return { action: 'read-run' };
  return { action: 'read-run', resource: OWN_RUNS };
}
