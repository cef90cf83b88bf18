// npm run bench:scale — runs/s on 1 and on 2 worker processes sharing PostgreSQL and NATS
// JetStream, with a scripted model that waits 200 ms per call (the demo: 5 calls a run), and
// how fast live events reach SSE subscribers on a separate API process.
// scaling = runs/s on 2 workers / runs/s on 1; must be >= 1.6.
// Needs PostgreSQL (UMCA_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test)
// and NATS with JetStream (UMCA_TEST_NATS_URL, default nats://127.0.0.1:4222).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { NatsBus } from '../src/bus/nats/nats-bus.js';
import { FixtureCatalog } from '../src/gateway/providers/scripted/fixture-catalog.js';
import { deleteStream } from '../test/support/bus-backends.js';
import { waitForLine } from '../test/support/cli.js';
import { openPostgresSchema } from '../test/support/store-backends.js';

const PG = process.env.UMCA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS = process.env.UMCA_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const RUNS = Number(process.env.BENCH_RUNS ?? 48);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BUILT = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

const schema = await openPostgresSchema(PG);
const stream = `UMCA_BENCH_${randomBytes(4).toString('hex')}`;
const cwd = mkdtempSync(join(tmpdir(), 'umca-bench-scale-'));
// The demo's replies, each after 200 ms, as a model's pace.
const fixture = join(cwd, 'fixtures', 'demo-200ms.yaml');
mkdirSync(join(cwd, 'fixtures'));
writeFileSync(fixture, stringify({ ...(await new FixtureCatalog().load('demo')), name: 'demo-200ms', delay_ms: 200 }));
writeFileSync(join(cwd, 'umca.yaml'), stringify({ model: 'scripted:demo-200ms', scripted: { fixtures_dir: 'fixtures' }, server: { port: 0 }, nats: { stream }, workers: { concurrency: CONCURRENCY } }));
const env = { ...process.env, UMCA_HOME: join(cwd, '.umca'), UMCA_DATABASE_URL: schema.url, UMCA_NATS_URL: NATS, NO_COLOR: '1' };
const children: ChildProcess[] = [];

function start(args: string[], ready: string): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [BUILT, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return waitForLine(child, (line) => line.startsWith(ready), 60_000).then((line) => ({ child, line }));
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Follows a run's SSE stream on the API process; counts events and their delay from commit to arrival. */
async function follow(api: string, id: string, delays: number[]): Promise<number> {
  const response = await fetch(`${api}/v1/runs/${id}/events`);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let count = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return count;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!data) continue;
      count += 1;
      delays.push(Date.now() - Date.parse((JSON.parse(data) as { ts: string }).ts));
    }
  }
}

async function batch(api: string, workers: number): Promise<{ runsPerSecond: number; events: number; eventsPerSecond: number; p50: number; p99: number }> {
  const started = await Promise.all(Array.from({ length: workers }, () => start(['worker'], 'umca worker ')));
  // One warm-up run per worker (lanes, JIT), not counted.
  const warm = await Promise.all(Array.from({ length: workers }, () => submit(api)));
  await Promise.all(warm.map((id) => follow(api, id, [])));
  const delays: number[] = [];
  const t0 = performance.now();
  const ids = await Promise.all(Array.from({ length: RUNS }, () => submit(api)));
  const counts = await Promise.all(ids.map((id) => follow(api, id, delays)));
  const seconds = (performance.now() - t0) / 1000;
  for (const id of ids) {
    const run = (await (await fetch(`${api}/v1/runs/${id}`)).json()) as { status: string; reason: string | null };
    if (run.status !== 'completed') throw new Error(`run ${id} ended ${run.status}: ${run.reason}`);
  }
  await Promise.all(started.map(({ child }) => stop(child)));
  delays.sort((a, b) => a - b);
  const events = counts.reduce((a, b) => a + b, 0);
  return { runsPerSecond: RUNS / seconds, events, eventsPerSecond: events / seconds, p50: delays[Math.floor(delays.length / 2)]!, p99: delays[Math.floor(delays.length * 0.99)]! };
}

async function submit(api: string): Promise<string> {
  const response = await fetch(`${api}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const body = (await response.json()) as { id: string };
  if (response.status !== 202) throw new Error(`POST /v1/runs: ${response.status} ${JSON.stringify(body)}`);
  return body.id;
}

/** Raw capacity: events published by one connection and received by another, through the server. */
async function busThroughput(): Promise<number> {
  const settings = { url: NATS, stream: `${stream}_RAW`, replicas: 1, maxAgeMs: 0, ackWaitMs: 30_000 };
  const [publisher, subscriber] = await Promise.all([NatsBus.connect(settings), NatsBus.connect(settings)]);
  const n = 50_000;
  let received = 0;
  const done = new Promise<void>((resolve) => subscriber.subscribe('umca.events.bench', () => (++received === n ? resolve() : undefined)));
  await new Promise((r) => setTimeout(r, 100));
  const event = { id: 'e', run_id: 'bench', seq: 1, ts: new Date().toISOString(), type: 'step.completed', actor: 'engine', data: { step: 'plan', duration_ms: 3 }, prev_hash: '0'.repeat(64), hash: 'f'.repeat(64), trace_id: 'a'.repeat(32) };
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1) publisher.publish('umca.events.bench', event);
  await done;
  const perSecond = n / ((performance.now() - t0) / 1000);
  await Promise.all([publisher.close(), subscriber.close()]);
  await deleteStream(NATS, settings.stream);
  return perSecond;
}

try {
  const { line } = await start(['serve', '--no-worker'], 'umca listening on');
  const api = /(http:\/\/\S+)/.exec(line)![1]!;
  const one = await batch(api, 1);
  process.stderr.write(`  1 worker: ${one.runsPerSecond.toFixed(2)} runs/s\n`);
  const two = await batch(api, 2);
  process.stderr.write(`  2 workers: ${two.runsPerSecond.toFixed(2)} runs/s\n`);
  const raw = await busThroughput();
  const ratio = two.runsPerSecond / one.runsPerSecond;
  console.log(`\n${RUNS} runs per batch, ${CONCURRENCY} at once per worker, model 200 ms per call (5 calls a run)\n`);
  console.log('| workers | runs/s | SSE events delivered | events/s to SSE | commit → SSE p50 ms | p99 ms |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const [n, r] of [[1, one], [2, two]] as const) console.log(`| ${n} | ${r.runsPerSecond.toFixed(2)} | ${r.events} | ${r.eventsPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} |`);
  console.log(`\nbus capacity: ${raw.toFixed(0)} events/s from one NATS connection to another`);
  console.log(`scaling (2 workers / 1) = ${ratio.toFixed(2)}x (must >= 1.6): ${ratio >= 1.6 ? 'met' : 'NOT met'}`);
} finally {
  await Promise.all(children.map((child) => stop(child)));
  await schema.dispose();
  await deleteStream(NATS, stream);
}
