import { Hono } from 'hono';
import { newKeyInput } from '../services/key-input.js';
import type { Umca } from '../umca.js';
import type { AppEnv } from './app-env.js';
import { parseJsonBody } from './parse-body.js';

/** `/v1/keys`: create (the secret shown once), list, revoke; admins only (the key service asks). */
export function keysRoutes(umca: Pick<Umca, 'keys'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => c.json(await umca.keys.for(c.get('principal')).create(await parseJsonBody(c, newKeyInput)), 201));
  app.get('/', async (c) => c.json({ data: await umca.keys.for(c.get('principal')).list() }));
  app.post('/:id/revoke', async (c) => c.json(await umca.keys.for(c.get('principal')).revoke(c.req.param('id'))));
  return app;
}
