import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { DEAD_LETTER_SUBJECT } from '../src/bus/bus.js';
import { composeUmca } from '../src/composition.js';
import { parseConfig } from '../src/core/load-config.js';
import type { RunEvent } from '../src/core/events.js';
import { verifyChain } from '../src/core/hash-chain.js';
import type { Store } from '../src/store/store.js';
import { openPgliteStore } from '../src/store/pglite/pglite-driver.js';
import { deleteStream } from './support/bus-backends.js';
import { exited, runCli, scratch, waitForLine } from './support/cli.js';
import { DEMO_SPEC, demoFixture, scriptedModel } from './support/scripted.js';
import { openPostgresSchema } from './support/store-backends.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { testUmca } from './support/umca.js';
import { spawn } from 'node:child_process';

const BUILT = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** What every finished run's log must show, however many workers touched it. */
function assertExactlyOnce(events: RunEvent[], runId: string): void {
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), `${runId}: seq gap-free`);
  assert.ok(verifyChain(events).ok, `${runId}: chain intact`);
  assert.equal(events.filter((e) => e.type === 'run.completed').length, 1, `${runId}: completed once`);
  assert.equal(events.at(-1)?.type, 'run.completed', `${runId}: ends completed`);
  const steps = events.filter((e) => e.type === 'step.completed').map((e) => (e.type === 'step.completed' ? e.data.step : ''));
  assert.equal(new Set(steps).size, steps.length, `${runId}: no step completed twice (${steps.join(', ')})`);
}

describe('scale-out, in one process', () => {
  it('answers 429 with Retry-After when more runs wait than workers.max_queue_depth', async () => {
    const home = scratch().env.UMCA_HOME!;
    // No worker started: queued runs wait.
    const umca = await composeUmca(parseConfig({ home, workers: { max_queue_depth: 2 } }), { store: await openPgliteStore() });
    try {
      const { createApp } = await import('../src/server/app.js');
      const app = createApp(umca, { log: () => undefined });
      const post = () => app.request('/v1/runs', { method: 'POST', body: JSON.stringify({ model: 'scripted:demo' }), headers: { 'content-type': 'application/json' } });
      assert.equal((await post()).status, 202);
      assert.equal((await post()).status, 202);
      await new Promise((r) => setTimeout(r, 1_100)); // the depth is read at most once a second
      const refused = await post();
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.match(((await refused.json()) as { error: { code: string; message: string } }).error.message, /2 runs are waiting for a worker \(workers\.max_queue_depth\)/);
      assert.match(await (await app.request('/metrics')).text(), /^umca_queue_depth 2$/m);
    } finally {
      await umca.close();
    }
  });

  it('dead-letters a run whose workers died on it nats.max_deliver times, and fails it with the reason', async () => {
    const umca = await composeUmca(parseConfig({ home: scratch().env.UMCA_HOME!, nats: { max_deliver: 2 } }), { store: await openPgliteStore() });
    try {
      const dead: unknown[] = [];
      umca.bus.subscribe(DEAD_LETTER_SUBJECT, (m) => dead.push(m));
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: 'scripted:demo' });
      // Two workers take it and die without a word (their deliveries come back)…
      let died = 0;
      const crashing = umca.bus.consume(async (item) => {
        died += 1;
        item.nak(100);
      }, { concurrency: 1 });
      await umca.engine.submit(run.id);
      while (died < 2) await new Promise((r) => setTimeout(r, 10));
      await crashing.stop();
      // …the third delivery finds a healthy worker, which gives the run up.
      umca.worker.start();
      for (let i = 0; i < 100 && (await umca.store.getRun(run.id))?.status !== 'failed'; i += 1) await new Promise((r) => setTimeout(r, 20));
      const failed = await umca.store.getRun(run.id);
      assert.equal(failed?.status, 'failed');
      assert.match(failed?.reason ?? '', /given up after 2 deliveries: each worker that took it stopped before it ended \(nats\.max_deliver is 2\)/);
      assert.deepEqual(dead, [{ runId: run.id, deliveries: 2, reason: failed!.reason }]);
    } finally {
      await umca.close();
    }
  });

  it('relays a cancel to the process that holds the run', async () => {
    const fixture = demoFixture();
    const slow = scriptedModel({ ...fixture, delay_ms: 2_000 });
    const umca = await testUmca();
    const other = await composeUmca(umca.config, { store: umca.store, bus: umca.bus });
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: slow });
      const executing = umca.engine.execute(run.id);
      for (let i = 0; i < 100 && !(await umca.store.getRun(run.id))?.lease_owner; i += 1) await new Promise((r) => setTimeout(r, 20));
      // Another engine (as on another node) is asked to cancel: it relays to the holder.
      const cancelled = await other.engine.cancel(run.id, 'not needed', 'user:olga');
      assert.equal(cancelled.status, 'cancelled');
      assert.equal((await executing).status, 'cancelled');
      const last = (await umca.store.readEvents(run.id)).at(-1);
      assert.ok(last?.type === 'run.cancelled' && last.actor === 'user:olga' && last.data.reason === 'not needed');
    } finally {
      await other.engine.close();
      await umca.close();
    }
  });
});

const PG = process.env.UMCA_TEST_POSTGRES_URL;
const NATS = process.env.UMCA_TEST_NATS_URL;

if (PG && NATS) {
  describe('scale-out on PostgreSQL and NATS JetStream: one API process, three worker processes', () => {
    let schema: Awaited<ReturnType<typeof openPostgresSchema>>;
    let store: Store;
    let proxy: TcpProxy;
    let pgProxy: TcpProxy;
    const stream = `UMCA_SCALE_${randomBytes(4).toString('hex')}`;
    const where = scratch();
    const processes: ChildProcess[] = [];
    let api: string;

    const start = async (args: string[], ready: (line: string) => boolean): Promise<{ child: ChildProcess; line: string }> => {
      const child = spawn(process.execPath, [BUILT, ...args], { cwd: where.cwd, env: where.env, stdio: ['ignore', 'pipe', 'pipe'] });
      processes.push(child);
      child.stderr!.on('data', () => undefined);
      return { child, line: await waitForLine(child, ready, 60_000) };
    };
    const worker = () => start(['worker'], (line) => line.startsWith('umca worker '));

    before(async () => {
      schema = await openPostgresSchema(PG);
      store = schema.store;
      const nats = new URL(NATS);
      proxy = await TcpProxy.start({ host: nats.hostname, port: Number(nats.port || 4222) });
      const pg = new URL(schema.url);
      pgProxy = await TcpProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) });
      const throughProxy = new URL(schema.url);
      throughProxy.host = new URL(pgProxy.url).host;
      const fixture = demoFixture();
      // Coder calls take a while, so runs are in flight when a worker is killed.
      const model = scriptedModel({ ...fixture, replies: { ...fixture.replies, coder: fixture.replies.coder!.map((content) => ({ content: content as string, delay_ms: 700 })) } });
      writeFileSync(
        join(where.cwd, 'umca.yaml'),
        stringify({ model, server: { port: 0 }, nats: { stream, ack_wait_ms: 2_000, max_deliver: 5 }, workers: { concurrency: 4, lease_ms: 2_000 } }),
      );
      Object.assign(where.env, { UMCA_DATABASE_URL: throughProxy.toString(), UMCA_NATS_URL: proxy.url });
      const [served] = await Promise.all([start(['serve', '--no-worker'], (line) => line.startsWith('umca listening on')), worker(), worker(), worker()]);
      api = /(http:\/\/\S+)/.exec(served.line)![1]!;
    });

    after(async () => {
      for (const child of processes) child.kill('SIGKILL');
      await Promise.all(processes.map((child) => exited(child)));
      await proxy.close();
      await pgProxy.close();
      await schema.dispose();
      await deleteStream(NATS, stream);
    });

    const submit = async (n: number): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < n; i += 1) {
        const response = await fetch(`${api}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        const body = (await response.json()) as { id: string };
        assert.equal(response.status, 202, JSON.stringify(body));
        ids.push(body.id);
      }
      return ids;
    };
    const waitForAll = async (ids: string[], ms: number) => {
      const until = Date.now() + ms;
      for (;;) {
        const runs = await Promise.all(ids.map((id) => store.getRun(id)));
        if (runs.every((run) => run?.status === 'completed')) return;
        if (Date.now() > until) assert.fail(`not all completed: ${runs.map((r) => r?.status).join(', ')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    it('completes 30 runs, each exactly once, every chain intact, no event missing or repeated', async () => {
      const ids = await submit(30);
      await waitForAll(ids, 120_000);
      const workersSeen = new Set<string>();
      for (const id of ids) {
        const events = await store.readEvents(id);
        assertExactlyOnce(events, id);
        for (const e of events) if (e.type === 'run.started') workersSeen.add(e.data.worker);
      }
      assert.equal(workersSeen.size, 3, 'the three workers shared the batch');
      // Any API node serves any run's events (SSE, fed from the bus and the store).
      const sse = await (await fetch(`${api}/v1/runs/${ids[0]}/events`)).text();
      assert.equal(sse.match(/^id: /gm)?.length, (await store.readEvents(ids[0]!)).length);
    });

    it('finishes a run whose worker is SIGKILLed mid-run on another worker, within lease expiry and a step, without re-running finished steps', async () => {
      const [victim] = await submit(1);
      // Wait until a worker is in the coder step of it.
      let holder: string | null = null;
      for (let i = 0; i < 300 && !holder; i += 1) {
        const events = await store.readEvents(victim!);
        if (events.some((e) => e.type === 'model.request' && e.data.role === 'coder')) holder = (await store.getRun(victim!))?.lease_owner ?? null;
        else await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(holder, 'a worker took the run');
      const pid = Number(holder.split(':')[1]);
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await waitForAll([victim!], 60_000);
      const events = await store.readEvents(victim!);
      assertExactlyOnce(events, victim!);
      const resumed = events.find((e) => e.type === 'run.resumed');
      assert.ok(resumed?.type === 'run.resumed' && resumed.data.worker !== holder, 'another worker resumed it');
      assert.ok(resumed.data.completed_steps.includes('plan'), 'from its checkpoints');
      // The lease lapses 2 s after the last heartbeat; the queue hands the run back after 2 s.
      assert.ok(Date.parse(resumed.ts) - killedAt < 2_000 + 2_000 + 2_000, `resumed ${Date.parse(resumed.ts) - killedAt} ms after the kill`);
      await worker(); // back to three
    });

    it('runs an ingest job posted to the API on the workers, through the run queue, and every API node searches the base', async () => {
      const post = async (base: string, path: string, body: unknown) => {
        const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const created = await post(api, '/v1/kb', { name: 'shared', embedding_model: 'scripted:demo' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const documents = Array.from({ length: 100 }, (_, i) => ({ source: `notes/${i}.md`, content: `# Note ${i}\n\nLease ${i} and budget ${i * 3}.\n` }));
      const job = await post(api, '/v1/kb/shared/jobs', { documents });
      assert.equal(job.status, 202, JSON.stringify(job.body));
      const id = job.body.id as string;
      await waitForAll([id], 60_000);
      const events = await store.readEvents(id);
      assertExactlyOnce(events, id);
      const started = events.find((e) => e.type === 'run.started');
      assert.ok(started?.type === 'run.started');
      assert.notEqual(Number(started.data.worker.split(':')[1]), processes[0]!.pid, 'a worker process ran it, not the API (serve --no-worker)');
      assert.deepEqual(events.filter((e) => e.type === 'kb.ingested').map((e) => (e.type === 'kb.ingested' ? e.data.done : 0)), [32, 64, 96, 100]);
      const status = (await (await fetch(`${api}/v1/kb/shared/jobs/${id}`)).json()) as { status: string; done: number; report: { added: number } };
      assert.deepEqual([status.status, status.done, status.report.added], ['completed', 100, 100]);
      // A second API node, on the same PostgreSQL, finds what the workers wrote.
      const second = await start(['serve', '--no-worker'], (line) => line.startsWith('umca listening on'));
      const otherApi = /(http:\/\/\S+)/.exec(second.line)![1]!;
      for (const base of [api, otherApi]) {
        const found = await post(base, '/v1/kb/shared/search', { query: 'budget 291', k: 1, mode: 'bm25' });
        assert.equal((found.body.hits as Array<{ source: string }>)[0]?.source, 'notes/97.md', base);
      }
    });

    /** Submits a batch, cuts the connections through `relay` once two runs are done, and checks /readyz meanwhile. */
    const dropMidBatch = async (relay: TcpProxy): Promise<{ ids: string[]; during: { status: number; body: { store: { status: string }; bus: { status: string } } } }> => {
      const ids = await submit(10);
      while ((await Promise.all(ids.map((id) => store.getRun(id)))).filter((r) => r?.status === 'completed').length < 2) await new Promise((r) => setTimeout(r, 50));
      const cut = relay.cut(2_500);
      await new Promise((r) => setTimeout(r, 500));
      const response = await fetch(`${api}/readyz`);
      const during = { status: response.status, body: (await response.json()) as { store: { status: string }; bus: { status: string } } };
      await cut;
      await waitForAll(ids, 90_000);
      for (const id of ids) assertExactlyOnce(await store.readEvents(id), id);
      return { ids, during };
    };

    it('loses no run when the workers\' NATS connections drop in the middle of a batch, and /readyz says so meanwhile', async () => {
      const { during } = await dropMidBatch(proxy);
      assert.equal(during.status, 503);
      assert.equal(during.body.bus.status, 'disconnected');
      for (let i = 0; i < 50 && (await fetch(`${api}/readyz`)).status !== 200; i += 1) await new Promise((r) => setTimeout(r, 100));
      assert.equal((await fetch(`${api}/readyz`)).status, 200);
    });

    it('loses no run when PostgreSQL connections drop in the middle of a batch: work pauses and goes on', async () => {
      const { during } = await dropMidBatch(pgProxy);
      assert.equal(during.status, 503);
      assert.match(during.body.store.status, /^unreachable: /);
    });
  });
}

describe('scale-out: unreachable engines at start', () => {
  it('stops with one line naming the URL, never falling back to the embedded engines', async () => {
    const where = scratch();
    where.env.UMCA_NATS_URL = 'nats://127.0.0.1:1';
    const nats = await runCli(['serve', '--port', '0'], where);
    assert.equal(nats.code, 3, nats.stderr);
    assert.match(nats.stderr, /^umca: cannot reach NATS at nats:\/\/127\.0\.0\.1:1: .+\n$/);
    delete where.env.UMCA_NATS_URL;
    where.env.UMCA_DATABASE_URL = 'postgres://umca@127.0.0.1:1/umca';
    const pg = await runCli(['worker'], where);
    assert.notEqual(pg.code, 0);
    assert.match(pg.stderr, /^umca: cannot reach PostgreSQL at postgres:\/\/umca@127\.0\.0\.1:1\/umca: .+\n$/);
  });
});
