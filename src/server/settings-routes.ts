import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Hono } from 'hono';
import type { Umca } from '../umca.js';
import { NotFoundError } from '../core/errors.js';
import { SHIPPED_POLICY_DIR } from '../policy/shipped-policies.js';
import type { AppEnv } from './app-env.js';

const PROBE_TIMEOUT_MS = 3_000;

/**
 * What the console's settings page shows, read-only: the providers and aliases (never a key),
 * the policies in force, the gates' thresholds; a provider's reachability on request; and the
 * example specs the shipped scripted fixtures answer.
 */
export function settingsRoutes(umca: Pick<Umca, 'config' | 'access' | 'models'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config } = umca;

  app.get('/settings', (c) => {
    const providers = Object.entries(config.providers).map(([name, provider]) => ({
      name,
      type: provider.type,
      model: provider.model,
      ...('base_url' in provider && provider.base_url ? { base_url: provider.base_url } : {}),
      ...('preset' in provider && provider.preset ? { preset: provider.preset } : {}),
    }));
    return c.json({
      default_model: config.model,
      providers: [{ name: 'scripted', type: 'scripted', model: 'fixtures/scripted/*.yaml (replies are scripted, not from a real model)' }, ...providers],
      aliases: config.aliases,
      roles: config.pipeline.roles,
      gates: config.gates,
      policy: policyInForce(config),
      auth_mode: config.auth.mode,
    });
  });

  // Reachability sends a request upstream: operators and admins (read-usage).
  app.get('/settings/providers/:name/health', async (c) => {
    await umca.access.authorize(c.get('principal'), 'read-usage', { type: 'System', id: 'providers' });
    const name = c.req.param('name');
    if (name === 'scripted') return c.json({ name, ok: true, detail: 'scripted replies, offline' });
    const provider = config.providers[name];
    if (!provider) throw new NotFoundError(`no provider ${name} in umca.yaml`, 'provider_not_found');
    const started = performance.now();
    if (provider.type === 'llama-cpp') return c.json({ name, ok: true, detail: `embedded model ${provider.model} (loaded on first use)` });
    const base = (provider.base_url ?? (provider.type === 'anthropic' ? 'https://api.anthropic.com' : '')).replace(/\/$/, '');
    const url = provider.type === 'anthropic' ? `${base}/v1/models` : `${base}/models`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      // Any HTTP answer means the server is there; 401 only says a key is needed.
      return c.json({ name, ok: response.status < 500, status: response.status, latency_ms: Math.round(performance.now() - started), detail: `${url} answered ${response.status}` });
    } catch (error) {
      return c.json({ name, ok: false, latency_ms: Math.round(performance.now() - started), detail: `${url}: ${(error as Error).name === 'TimeoutError' ? `no answer within ${PROBE_TIMEOUT_MS} ms` : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message)}` });
    }
  });

  app.get('/examples', async (c) => {
    const { fixtures } = umca.models;
    const loaded = await Promise.all(fixtures.shipped().map(async (name) => ({ name, fixture: await fixtures.load(name) })));
    const examples = loaded
      .filter(({ fixture }) => fixture.spec)
      .map(({ name, fixture }) => ({ name, description: fixture.description, spec: fixture.spec, model: `scripted:${name}` }));
    return c.json({ data: examples });
  });
  return app;
}

function policyInForce(config: Umca['config']): { engine: string; files: Array<{ name: string; content: string }>; opa?: { url: string; path: string } } {
  if (config.policy.engine === 'opa') return { engine: 'opa', files: [], opa: { url: config.policy.opa!.url, path: config.policy.opa!.path } };
  const dir = config.policy.dir ? resolve(config.policy.dir) : SHIPPED_POLICY_DIR;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cedar')).sort().map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') }));
  files.push({ name: 'umca.cedarschema', content: readFileSync(join(SHIPPED_POLICY_DIR, 'umca.cedarschema'), 'utf8') });
  return { engine: 'cedar', files };
}
