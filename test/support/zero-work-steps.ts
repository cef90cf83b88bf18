// A run of zero-work durable steps in its own process, on a real store: for the test that
// SIGKILLs a fast run mid-way and counts the steps a resume runs again, and for
// `npm run bench:steps`.
//
//   tsx test/support/zero-work-steps.ts start  HOME_OR_URL STEPS KILL_AT   → prints the run id, then dies at step KILL_AT
//   tsx test/support/zero-work-steps.ts resume HOME_OR_URL STEPS RUN_ID    → prints {"first_body":N,"open_ms":O,"resume_ms":T,"status":S}
//
// HOME_OR_URL is a state dir (PGlite) or a postgres:// URL. Step bodies return at once: what is
// measured is the engine and the store.
import { mkdtempSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeUmca } from '../../src/composition.js';
import { parseConfig } from '../../src/core/load-config.js';
import type { Pipeline } from '../../src/engine/pipeline.js';

const [mode, where, stepsText, extra] = process.argv.slice(2);
const steps = Number(stepsText);
const isUrl = where!.startsWith('postgres');
const config = parseConfig({ home: isUrl ? mkdtempSync(join(tmpdir(), 'umca-steps-')) : where!, ...(isUrl ? { database_url: where } : {}) });

let firstBody: number | undefined;
let firstBodyAt = 0;
const killAt = mode === 'start' ? Number(extra) : Number.POSITIVE_INFINITY;
const pipeline: Pipeline = async (context) => {
  for (let i = 1; i <= steps; i += 1) {
    await context.step(`s${i}`, 'agent', async () => {
      if (firstBody === undefined) {
        firstBody = i;
        firstBodyAt = performance.now();
      }
      if (i === killAt) process.kill(process.pid, 'SIGKILL');
      return i;
    });
  }
  return { status: 'completed', attempts: 1, files: [] };
};

const opening = performance.now();
const umca = await composeUmca(config, { pipeline });
const openMs = performance.now() - opening;
if (mode === 'start') {
  const run = await umca.engine.createRun({ spec: 'zero-work steps', model: 'scripted:demo', claim: true });
  writeSync(1, `${run.id}\n`); // written before the process dies, not buffered
  await umca.engine.execute(run.id);
  throw new Error(`step ${killAt} did not kill the process`);
} else {
  const started = performance.now();
  const ended = await umca.engine.execute(extra!);
  process.stdout.write(`${JSON.stringify({ first_body: firstBody, open_ms: openMs, resume_ms: firstBodyAt - started, status: ended.status })}\n`);
  await umca.close();
}
