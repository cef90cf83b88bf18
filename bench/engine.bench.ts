// npm run bench:engine — engine overhead of the default pipeline.
// 50 runs, one after another, of the default pipeline (the demo: G0, planner, G1 with its judge,
// research, G2, coder, G3, tester, a second coder attempt: 5 model calls, 2 test runs)
// with a scripted model that waits 50 ms per call, on the default embedded store (PGlite on disk).
// overhead_ratio = wall time / (model waits + sandbox time); must be <= 1.10.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/core/load-config.js';
import { composeUmca } from '../src/composition.js';
import { openPgliteStore } from '../src/store/pglite/pglite-driver.js';
import { FixtureCatalog } from '../src/gateway/providers/scripted/fixture-catalog.js';
import type { Store } from '../src/store/store.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const MODEL_DELAY_MS = 50;
// The spec the demo's replies answer: its research quotes it, so every gate passes.
const SPEC = (await new FixtureCatalog().load('demo')).spec!;

async function bench(name: string, openStore: (home: string) => Promise<{ store: Store; dispose?: () => Promise<void> }>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'umca-bench-'));
  const config = parseConfig({ home });
  const opened = await openStore(home);
  const umca = await composeUmca(config, { store: opened.store, scriptedDelayMs: MODEL_DELAY_MS });
  try {
    // One warm-up run (worker start, JIT), not counted.
    const warm = await umca.engine.createRun({ spec: SPEC, model: 'scripted:demo' });
    await umca.engine.execute(warm.id);

    let modelMs = 0;
    let sandboxMs = 0;
    let events = 0;
    const started = performance.now();
    for (let i = 0; i < RUNS; i += 1) {
      const run = await umca.engine.createRun({ spec: SPEC, model: 'scripted:demo' });
      const done = await umca.engine.execute(run.id);
      if (done.status !== 'completed') throw new Error(`run ${run.id} ended ${done.status}: ${done.reason}`);
      if (i % 10 === 9) process.stderr.write(`  ${name}: ${i + 1}/${RUNS} runs\n`);
    }
    const wallMs = performance.now() - started;
    for (const run of await umca.store.listRuns({ limit: RUNS })) {
      for (const event of await umca.store.readEvents(run.id)) {
        events += 1;
        if (event.type === 'model.response') modelMs += event.data.latency_ms;
        if (event.type === 'sandbox.finished') sandboxMs += event.data.duration_ms;
      }
    }
    const overhead = wallMs - modelMs - sandboxMs;
    console.log(
      [
        `store=${name}`,
        `runs=${RUNS}`,
        `wall_ms=${wallMs.toFixed(0)}`,
        `model_wait_ms=${modelMs.toFixed(0)}`,
        `sandbox_ms=${sandboxMs.toFixed(0)}`,
        `engine_overhead_ms_per_run=${(overhead / RUNS).toFixed(2)}`,
        `events_per_run=${(events / RUNS).toFixed(0)}`,
        `overhead_ratio=${(wallMs / (modelMs + sandboxMs)).toFixed(3)}`,
      ].join(' '),
    );
  } finally {
    await umca.close();
    await opened.dispose?.().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}

await bench('pglite', async (home) => ({ store: await openPgliteStore(join(home, 'pglite')) }));
if (process.env.BENCH_MEMORY) await bench('pglite-memory', async () => ({ store: await openPgliteStore() }));
if (process.env.UMCA_TEST_POSTGRES_URL) {
  const { openPostgresSchema } = await import('../test/support/store-backends.js');
  // A schema of its own, dropped afterwards; the store inside is closed by umca.close().
  await bench('postgres', async () => {
    const opened = await openPostgresSchema(process.env.UMCA_TEST_POSTGRES_URL!);
    return { store: opened.store, dispose: () => opened.dispose() };
  });
}
