import type { Action } from '../identity/access-guard.js';
import type { Principal } from '../identity/principal.js';

/** Hono's per-request variables: the authenticated caller. */
export interface AppEnv {
  Variables: { principal: Principal };
}

/**
 * The action each HTTP route stands for; undefined for the public ones. One table for the
 * Hono app and the node:http hot path, so no route is left unchecked by accident: anything
 * not listed needs an authenticated caller with at least `read-run`.
 */
export function actionFor(method: string, path: string): Action | undefined {
  if (path === '/healthz') return undefined;
  if (path === '/metrics' || path === '/v1/usage' || path.startsWith('/v1/usage/')) return 'read-usage';
  if (path === '/v1/chat/completions' || path === '/v1/embeddings' || path === '/v1/models' || path.startsWith('/v1/models/')) return 'use-model';
  if (path === '/v1/runs' && method === 'POST') return 'run';
  if (method === 'POST' && /^\/v1\/runs\/[^/]+\/cancel$/.test(path)) return 'cancel-run';
  if (method === 'POST' && /^\/v1\/runs\/[^/]+\/override$/.test(path)) return 'override-gate';
  return 'read-run';
}
