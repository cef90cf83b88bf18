import { Hono } from 'hono';
import { InvalidRequestError } from '../core/errors.js';
import type { Umca } from '../umca.js';

/** `GET /v1/usage?group_by=model|day&since=&until=`: calls, errors, cache hits, tokens and cost. */
export function usageRoutes(deps: Pick<Umca, 'meter' | 'store'>): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const groupBy = c.req.query('group_by') ?? 'model';
    if (groupBy !== 'model' && groupBy !== 'day') throw new InvalidRequestError('group_by: expected model or day', 'invalid_request', 'group_by');
    const since = timeParam(c.req.query('since'), 'since');
    const until = timeParam(c.req.query('until'), 'until');
    // Records are written in batches; what was metered until now counts.
    await deps.meter.flush();
    const data = await deps.store.queryUsage({ groupBy, ...(since ? { since } : {}), ...(until ? { until } : {}) });
    return c.json({ object: 'list', group_by: groupBy, data });
  });
  return app;
}

function timeParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new InvalidRequestError(`${name}: expected an ISO-8601 date or time`, 'invalid_request', name);
  return new Date(time).toISOString();
}
