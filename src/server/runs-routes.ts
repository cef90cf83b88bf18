import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { zipSync } from 'fflate';
import { InvalidRequestError } from '../core/errors.js';
import type { Umca } from '../umca.js';
import { MAX_SEQ, overrideInput, startRunInput } from '../services/run-input.js';
import { parseJsonBody } from './parse-body.js';
import type { AppEnv } from './app-env.js';

/**
 * `/v1/runs`: create, list, show, follow (SSE), log, artifacts, verify, cancel, override.
 * Each route reads its input, calls the run service as the caller, and writes the answer;
 * what may be done and what is wrong is the service's to say (src/services/run-service.ts).
 */
export function runsRoutes(umca: Pick<Umca, 'runs'>, options: { sseIdleMs?: number } = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const runs = (c: { get(key: 'principal'): AppEnv['Variables']['principal'] }) => umca.runs.for(c.get('principal'));

  app.post('/', async (c) => {
    const run = await runs(c).start(await parseJsonBody(c, startRunInput));
    return c.json({ id: run.id, status: run.status, model: run.model, events_url: `/v1/runs/${run.id}/events` }, 202);
  });

  app.get('/', async (c) => {
    const { status, limit, before, q } = c.req.query();
    if (limit !== undefined && !/^\d{1,4}$/.test(limit)) throw new InvalidRequestError('limit: expected an integer from 1 to 500', 'invalid_request', 'limit');
    return c.json(await runs(c).list({ ...(status !== undefined ? { status: status as never } : {}), ...(limit !== undefined ? { limit: Number(limit) } : {}), ...(before ? { before } : {}), ...(q !== undefined ? { q } : {}) }));
  });

  app.get('/:id', async (c) => c.json(await runs(c).get(c.req.param('id'))));

  app.get('/:id/events', async (c) => {
    const from = c.req.header('last-event-id') ?? c.req.query('after') ?? '0';
    if (!/^\d{1,10}$/.test(from) || Number(from) > MAX_SEQ) throw new InvalidRequestError(`Last-Event-ID / after: expected an integer seq from 0 to ${MAX_SEQ}`, 'invalid_request', 'after');
    const controller = new AbortController();
    const events = await runs(c).follow(c.req.param('id'), { afterSeq: Number(from), signal: controller.signal, ...(options.sseIdleMs ? { idleMs: options.sseIdleMs } : {}) });
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => controller.abort());
      for await (const event of events) {
        if (event === undefined) await stream.write(': keep-alive\n\n');
        else await stream.writeSSE({ id: String(event.seq), data: JSON.stringify(event) });
      }
    });
  });

  // The raw log, as JSON lines (the audit view's download).
  app.get('/:id/log', async (c) => {
    const id = c.req.param('id');
    const { after, limit } = c.req.query();
    if (after !== undefined && (!/^\d{1,10}$/.test(after) || Number(after) > MAX_SEQ)) throw new InvalidRequestError(`after: expected an integer seq from 0 to ${MAX_SEQ}`, 'invalid_request', 'after');
    if (limit !== undefined && !/^[1-9]\d{0,5}$/.test(limit)) throw new InvalidRequestError('limit: expected a positive integer', 'invalid_request', 'limit');
    const events = await runs(c).events(id, { ...(after ? { afterSeq: Number(after) } : {}), ...(limit ? { limit: Number(limit) } : {}) });
    return c.body(events.map((event) => JSON.stringify(event)).join('\n') + (events.length ? '\n' : ''), 200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="umca-run-${id}.jsonl"`,
    });
  });

  app.get('/:id/artifacts.zip', async (c) => {
    const id = c.req.param('id');
    const caller = runs(c);
    const files: Record<string, Uint8Array> = {};
    for (const record of await caller.artifacts(id)) files[`${id.slice(0, 8)}/${record.path}`] = (await caller.artifact(id, record.path)).content;
    return c.body(zipSync(files), 200, { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="umca-run-${id.slice(0, 8)}.zip"` });
  });

  app.get('/:id/verify', async (c) => c.json(await runs(c).verify(c.req.param('id'))));

  app.get('/:id/artifacts', async (c) => c.json({ data: (await runs(c).artifacts(c.req.param('id'))).map(({ path, sha256, size }) => ({ path, sha256, size })) }));

  app.get('/:id/artifacts/:path{.+}', async (c) => {
    const path = c.req.param('path');
    const artifact = await runs(c).artifact(c.req.param('id'), path);
    return c.body(new Uint8Array(artifact.content), 200, {
      'content-type': contentType(path),
      etag: `"${artifact.record.sha256}"`,
      'x-content-sha256': artifact.record.sha256,
    });
  });

  app.post('/:id/cancel', async (c) => c.json(await runs(c).cancel(c.req.param('id'))));

  app.post('/:id/override', async (c) => {
    const { reason } = await parseJsonBody(c, overrideInput);
    const reopened = await runs(c).override(c.req.param('id'), reason);
    return c.json({ ...reopened, events_url: `/v1/runs/${reopened.id}/events` }, 202);
  });

  return app;
}

function contentType(path: string): string {
  if (/\.(ts|tsx|mts|cts)$/.test(path)) return 'text/plain; charset=utf-8';
  if (/\.(js|mjs|cjs)$/.test(path)) return 'text/javascript; charset=utf-8';
  if (path.endsWith('.json')) return 'application/json';
  if (/\.(md|txt|py|yaml|yml|css|html?)$/.test(path)) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}
