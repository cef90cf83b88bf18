import { runtimeResource } from '../policy/runtime-resource.js';
import { Hono } from 'hono';
import type { Umca } from '../umca.js';
import type { Action, PolicyResource } from '../policy/policy-engine.js';
import { decidedBy } from '../policy/policy-decision.js';
import type { AppEnv } from './app-env.js';

/** What the console asks about the caller: the options it offers and greys out, with why. */
const QUESTIONS: Array<{ key: string; action: Action; resource: PolicyResource }> = [
  { key: 'run', action: 'run', resource: { type: 'Run', id: 'new', attrs: { owner: '' } } },
  { key: 'process_runtime', action: 'use-runtime', resource: runtimeResource('process') },
  { key: 'egress', action: 'egress', resource: { type: 'Host', id: '*', attrs: { host: '*', port: 0 } } },
  { key: 'override', action: 'override-gate', resource: { type: 'Gate', id: '*' } },
  { key: 'read_usage', action: 'read-usage', resource: { type: 'System', id: 'usage' } },
  { key: 'admin', action: 'admin', resource: { type: 'System', id: 'admin' } },
];

/**
 * `GET /v1/me`: who the caller is and what policy lets them do (decided now, not recorded:
 * nothing happens until they act, and then the real decision is made and logged).
 * `GET /v1/auth/config` (no auth): how to sign in — the mode, and the OIDC issuer and client.
 */
export function meRoutes(umca: Pick<Umca, 'config' | 'access'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/me', async (c) => {
    const principal = c.get('principal');
    const can: Record<string, { allowed: boolean; why: string }> = {};
    for (const question of QUESTIONS) {
      const resource = question.resource.type === 'Run' ? { ...question.resource, attrs: { owner: principal.id } } : question.resource;
      const decision = await umca.access.policy.decide({ principal, action: question.action, resource });
      const why = decidedBy(decision);
      can[question.key] = { allowed: decision.allowed, why: decision.allowed ? why : `${principal.roles.join(', ') || 'no role'}: ${why}` };
    }
    return c.json({ principal, auth_mode: umca.config.auth.mode, can });
  });
  app.get('/auth/config', (c) => {
    const { mode, oidc } = umca.config.auth;
    return c.json({ mode, ...(mode === 'token' && oidc ? { oidc: { issuer: oidc.issuer, client_id: oidc.client_id ?? null, audience: oidc.audience } } : {}) });
  });
  return app;
}
