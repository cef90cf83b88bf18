import { Hono } from 'hono';
import type { Umca } from '../umca.js';
import type { AppEnv } from './app-env.js';

/** `GET /v1/usage?group_by=model|day&since=&until=`: calls, errors, cache hits, tokens and cost (the usage service asks read-usage). */
export function usageRoutes(umca: Pick<Umca, 'usage'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const query = c.req.query();
    const data = await umca.usage.for(c.get('principal')).totals(query);
    return c.json({ object: 'list', group_by: query.group_by ?? 'model', data });
  });
  return app;
}
