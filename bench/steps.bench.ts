// npm run bench:steps — what a durable step costs, on PGlite and on PostgreSQL.
// 1. 300 runs of 3 zero-work steps, one after another: wall time per step (create, lease,
//    three checkpoints, the final commit — all of a run's store work, divided by its steps).
// 2. A 100-step run SIGKILLed in the body of step 51, then resumed in a fresh process:
//    resume_ms is the time from execute() to the first body that runs again, and re_run the
//    completed steps whose checkpoints the kill lost (the durability lag: at most 1). Three
//    kills, medians reported, with the resuming process's store open time beside them.
// PGlite's floor (a prepared one-row INSERT, committed) is measured before and after the runs,
// in the same process, so a step's cost is also reported as a ratio to it.
// PostgreSQL: UMCA_BENCH_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test when it answers.
// BENCH_STEP_RUNS sets the run count.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { composeUmca } from '../src/composition.js';
import { parseConfig } from '../src/core/load-config.js';
import type { Pipeline } from '../src/engine/pipeline.js';

const RUNS = Number(process.env.BENCH_STEP_RUNS ?? 300);
const STEPS = 3;
const CHILD = fileURLToPath(new URL('../test/support/zero-work-steps.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

const zeroWork: Pipeline = async (context) => {
  for (let i = 1; i <= STEPS; i += 1) await context.step(`s${i}`, 'agent', async () => i);
  return { status: 'completed', attempts: 1, files: [] };
};

async function stepCost(name: string, where: { home: string; url?: string }): Promise<number> {
  const config = parseConfig({ home: where.home, ...(where.url ? { database_url: where.url } : {}) });
  const umca = await composeUmca(config, { pipeline: zeroWork });
  try {
    const once = async () => {
      const run = await umca.engine.createRun({ spec: 'zero-work steps', model: 'scripted:demo', claim: true });
      const done = await umca.engine.execute(run.id);
      if (done.status !== 'completed') throw new Error(`run ${run.id} ended ${done.status}: ${done.reason}`);
    };
    for (let i = 0; i < 20; i += 1) await once(); // warm-up: JIT, prepared statements
    const started = performance.now();
    for (let i = 0; i < RUNS; i += 1) {
      await once();
      if (i % 100 === 99) process.stderr.write(`  ${name}: ${i + 1}/${RUNS} runs\n`);
    }
    return (performance.now() - started) / (RUNS * STEPS);
  } finally {
    await umca.close();
  }
}

/** PGlite's own floor, in the same process and minute: one prepared single-row INSERT, committed. */
async function pgliteFloor(): Promise<number> {
  const db = await PGlite.create({ dataDir: join(mkdtempSync(join(tmpdir(), 'umca-steps-floor-')), 'db') });
  try {
    await db.exec('CREATE TABLE t (id serial PRIMARY KEY, v text)');
    for (let i = 0; i < 200; i += 1) await db.query('INSERT INTO t (v) VALUES ($1)', [`warm ${i}`]);
    const n = 2_000;
    const started = performance.now();
    for (let i = 0; i < n; i += 1) await db.query('INSERT INTO t (v) VALUES ($1)', [`row ${i}`]);
    return (performance.now() - started) / n;
  } finally {
    await db.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Three kills and resumes, each in fresh processes: the median of each figure. */
function killAndResumeThrice(fresh: () => string): { open_ms: number; resume_ms: number; re_run: number } {
  const tries = [0, 1, 2].map(() => killAndResume(fresh()));
  return { open_ms: median(tries.map((t) => t.open_ms)), resume_ms: median(tries.map((t) => t.resume_ms)), re_run: Math.max(...tries.map((t) => t.re_run)) };
}

function killAndResume(where: string): { open_ms: number; resume_ms: number; re_run: number } {
  const started = spawnSync(process.execPath, ['--import', TSX, CHILD, 'start', where, '100', '51'], { encoding: 'utf8' });
  if (started.signal !== 'SIGKILL') throw new Error(`the 100-step run was not killed: ${started.stderr}`);
  const runId = started.stdout.trim();
  const resumed = JSON.parse(execFileSync(process.execPath, ['--import', TSX, CHILD, 'resume', where, '100', runId], { encoding: 'utf8' })) as { first_body: number; open_ms: number; resume_ms: number; status: string };
  if (resumed.status !== 'completed') throw new Error(`the resumed run ended ${resumed.status}`);
  return { open_ms: resumed.open_ms, resume_ms: resumed.resume_ms, re_run: 51 - resumed.first_body };
}

async function postgresUrl(): Promise<string | undefined> {
  const url = process.env.UMCA_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

console.log(`# bench:steps — ${new Date().toISOString()}, node ${process.version}, ${RUNS} runs x ${STEPS} zero-work steps`);
const floorBefore = await pgliteFloor();
const pglite = await stepCost('pglite', { home: mkdtempSync(join(tmpdir(), 'umca-steps-bench-')) });
const floor = (floorBefore + (await pgliteFloor())) / 2;
const pgliteResume = killAndResumeThrice(() => mkdtempSync(join(tmpdir(), 'umca-steps-kill-')));
console.log(
  `store=pglite ms_per_step=${pglite.toFixed(3)} floor_insert_commit_ms=${floor.toFixed(3)} step_over_floor=${(pglite / floor).toFixed(2)} ` +
    `open_ms=${pgliteResume.open_ms.toFixed(0)} resume_to_next_step_ms=${pgliteResume.resume_ms.toFixed(1)} re_run_steps_after_kill=${pgliteResume.re_run}`,
);
const url = await postgresUrl();
if (url) {
  const postgres = await stepCost('postgres', { home: mkdtempSync(join(tmpdir(), 'umca-steps-bench-')), url });
  const postgresResume = killAndResumeThrice(() => url);
  console.log(
    `store=postgres ms_per_step=${postgres.toFixed(3)} open_ms=${postgresResume.open_ms.toFixed(0)} resume_to_next_step_ms=${postgresResume.resume_ms.toFixed(1)} re_run_steps_after_kill=${postgresResume.re_run}`,
  );
} else {
  console.log('store=postgres skipped (no PostgreSQL answers; set UMCA_BENCH_POSTGRES_URL)');
}
