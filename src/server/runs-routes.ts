import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { InvalidRequestError, NotFoundError, QueueFullError } from '../core/errors.js';
import { RUNTIME_PREFERENCES, runOptionsFrom } from '../core/run-options.js';
import { verifyChain } from '../core/hash-chain.js';
import { FINAL_STATUSES, type RunRecord } from '../core/run.js';
import { zipSync } from 'fflate';
import type { Umca } from '../composition.js';
import { followEvents } from '../engine/follow-events.js';
import { parseJsonBody } from './parse-body.js';
import type { AppEnv } from './route-actions.js';

const createRunBody = z.strictObject({
  /** Optional only for a scripted model whose fixture carries its spec (the offline demo). */
  spec: z.string().optional(),
  model: z.string().min(1).optional(),
  runtime: z.enum(RUNTIME_PREFERENCES).optional(),
  allowed_outbound_hosts: z.array(z.string().min(1)).max(100).optional(),
  references: z.array(z.strictObject({ name: z.string(), content: z.string() })).max(100).optional(),
  tools: z.array(z.string()).max(200).optional(),
});
const overrideBody = z.strictObject({ reason: z.string() });
const statusSchema = z.enum(['created', 'running', 'completed', 'failed', 'blocked', 'cancelled']);

/** `/v1/runs`: create, list, show, follow (SSE), artifacts, verify, cancel. */
/** The largest event seq there can be (a PostgreSQL integer). */
const MAX_SEQ = 2_147_483_647;

export function runsRoutes(umca: Pick<Umca, 'engine' | 'store' | 'bus' | 'config' | 'access' | 'models'>, options: { sseIdleMs?: number } = {}): Hono<AppEnv> {
  const { engine, store } = umca;
  const app = new Hono<AppEnv>();

  // Back-pressure: the queue's depth, asked at most once a second.
  let depth = { value: 0, at: 0 };
  const queueFull = async (): Promise<boolean> => {
    if (Date.now() - depth.at > 1_000) depth = { value: await umca.bus.queueDepth(), at: Date.now() };
    return depth.value >= umca.config.workers.max_queue_depth;
  };

  const requireRun = async (id: string): Promise<RunRecord> => {
    const run = await store.getRun(id);
    if (!run) throw new NotFoundError(`run ${id} not found`, 'run_not_found');
    return run;
  };

  app.post('/', async (c) => {
    const body = await parseJsonBody(c, createRunBody);
    if (await queueFull()) throw new QueueFullError(`${umca.config.workers.max_queue_depth} runs are waiting for a worker (workers.max_queue_depth); try again shortly`, 5_000);
    const model = body.model ?? umca.config.model;
    const spec = body.spec ?? (await umca.models.fixtures.spec(model));
    if (spec === undefined) throw new InvalidRequestError('spec: required (only a scripted model whose fixture carries a spec can do without)', 'invalid_request', 'spec');
    const run = await engine.createRun({
      spec,
      model,
      principal: c.get('principal'),
      options: runOptionsFrom(body),
    });
    await engine.submit(run.id);
    return c.json({ id: run.id, status: run.status, model: run.model, events_url: `/v1/runs/${run.id}/events` }, 202);
  });

  app.get('/', async (c) => {
    const status = c.req.query('status');
    const limit = c.req.query('limit');
    const parsedStatus = status === undefined ? undefined : statusSchema.safeParse(status);
    if (parsedStatus && !parsedStatus.success) throw new InvalidRequestError(`status: expected one of ${statusSchema.options.join(', ')}`);
    const parsedLimit = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(parsedLimit) || parsedLimit < 1 || parsedLimit > 500) throw new InvalidRequestError('limit: expected an integer from 1 to 500');
    const before = c.req.query('before');
    const text = c.req.query('q')?.trim();
    if (text !== undefined && text.length > 200) throw new InvalidRequestError('q: at most 200 characters', 'invalid_request', 'q');
    const scope = await umca.access.readableRuns(c.get('principal'));
    const runs = await store.listRuns({ ...scope, limit: parsedLimit, ...(parsedStatus ? { status: parsedStatus.data } : {}), ...(before ? { before } : {}), ...(text ? { text } : {}) });
    const costs = await store.runCosts(runs.map((run) => run.id));
    const data = runs.map((run) => ({ ...run, duration_ms: durationOf(run), cost_usd: costs.get(run.id) ?? 0 }));
    return c.json({ data, next: runs.length === parsedLimit ? runs.at(-1)?.id ?? null : null });
  });

  app.get('/:id', async (c) => {
    const run = await requireRun(c.req.param('id'));
    const [artifacts, costs] = await Promise.all([store.listArtifacts(run.id), store.runCosts([run.id])]);
    return c.json({ ...run, duration_ms: durationOf(run), cost_usd: costs.get(run.id) ?? 0, artifacts: artifacts.map(({ path, sha256, size }) => ({ path, sha256, size })) });
  });

  app.get('/:id/events', async (c) => {
    const run = await requireRun(c.req.param('id'));
    const from = c.req.header('last-event-id') ?? c.req.query('after') ?? '0';
    const afterSeq = Number(from);
    if (!/^\d{1,10}$/.test(from) || afterSeq > MAX_SEQ) throw new InvalidRequestError(`Last-Event-ID / after: expected an integer seq from 0 to ${MAX_SEQ}`, 'invalid_request', 'after');
    return streamSSE(c, async (stream) => {
      const controller = new AbortController();
      stream.onAbort(() => controller.abort());
      const events = followEvents(umca, run.id, { afterSeq, signal: controller.signal, ...(options.sseIdleMs ? { idleMs: options.sseIdleMs } : {}) });
      for await (const event of events) {
        if (event === undefined) await stream.write(': keep-alive\n\n');
        else await stream.writeSSE({ id: String(event.seq), data: JSON.stringify(event) });
      }
    });
  });

  // The raw log, as JSON lines (the audit view's download).
  app.get('/:id/log', async (c) => {
    const run = await requireRun(c.req.param('id'));
    const events = await store.readEvents(run.id);
    return c.body(events.map((event) => JSON.stringify(event)).join('\n') + (events.length ? '\n' : ''), 200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="umca-run-${run.id}.jsonl"`,
    });
  });

  app.get('/:id/artifacts.zip', async (c) => {
    const run = await requireRun(c.req.param('id'));
    const files: Record<string, Uint8Array> = {};
    for (const record of await store.listArtifacts(run.id)) {
      const artifact = await store.getArtifact(run.id, record.path);
      if (artifact) files[`${run.id.slice(0, 8)}/${record.path}`] = artifact.content;
    }
    return c.body(zipSync(files), 200, { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="umca-run-${run.id.slice(0, 8)}.zip"` });
  });

  app.get('/:id/verify', async (c) => {
    const run = await requireRun(c.req.param('id'));
    return c.json({ run_id: run.id, ...verifyChain(await store.readEvents(run.id)) });
  });

  app.get('/:id/artifacts', async (c) => {
    const run = await requireRun(c.req.param('id'));
    return c.json({ data: (await store.listArtifacts(run.id)).map(({ path, sha256, size }) => ({ path, sha256, size })) });
  });

  app.get('/:id/artifacts/:path{.+}', async (c) => {
    const run = await requireRun(c.req.param('id'));
    const path = c.req.param('path');
    const artifact = await store.getArtifact(run.id, path);
    if (!artifact) throw new NotFoundError(`run ${run.id} has no artifact ${path}`, 'artifact_not_found');
    return c.body(new Uint8Array(artifact.content), 200, {
      'content-type': contentType(path),
      etag: `"${artifact.record.sha256}"`,
      'x-content-sha256': artifact.record.sha256,
    });
  });

  app.post('/:id/cancel', async (c) => {
    const run = await requireRun(c.req.param('id'));
    // The default policies let a runner cancel its own runs and an operator any run.
    await umca.access.authorize(c.get('principal'), 'cancel-run', { type: 'Run', id: run.id, attrs: { owner: await engine.ownerOf(run.id) } });
    const cancelled = await engine.cancel(run.id, 'cancelled through the API', c.get('principal').id);
    return c.json(cancelled);
  });

  app.post('/:id/override', async (c) => {
    const body = await parseJsonBody(c, overrideBody);
    // The engine asks policy (override-gate, on the gate that blocked) and records the decision.
    const reopened = await engine.override(c.req.param('id'), { principal: c.get('principal'), reason: body.reason });
    await engine.submit(reopened.id, { key: `${reopened.id}:override:${reopened.last_seq}` });
    return c.json({ ...reopened, events_url: `/v1/runs/${reopened.id}/events` }, 202);
  });

  return app;
}

/** How long a run took, once it ended (its last write); how long it has been going otherwise. */
function durationOf(run: RunRecord): number {
  const end = FINAL_STATUSES.has(run.status) ? Date.parse(run.updated_at) : Date.now();
  return Math.max(0, end - Date.parse(run.created_at));
}

function contentType(path: string): string {
  if (/\.(ts|tsx|mts|cts)$/.test(path)) return 'text/plain; charset=utf-8';
  if (/\.(js|mjs|cjs)$/.test(path)) return 'text/javascript; charset=utf-8';
  if (path.endsWith('.json')) return 'application/json';
  if (/\.(md|txt|py|yaml|yml|css|html?)$/.test(path)) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}
