import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { composeUmca } from '../src/composition.js';
import { parseConfig } from '../src/core/load-config.js';
import { LOCAL_PRINCIPAL } from '../src/core/principal.js';
import { openPgliteStore } from '../src/store/pglite/pglite-driver.js';
import { exited, scratch, startCli, waitForLine } from './support/cli.js';
import { cli, cliOutcome, http, key, serveIn, stop, type Outcome, type Served } from './support/doors.js';

/**
 * Ingest as a durable job (POST /v1/kb/<name>/jobs): a run on the run queue whose batches are
 * steps on its log, its status read back from that log, resumed after the server is killed.
 */
let served: Served | undefined;
let runner = '';
let operator = '';

before(async () => {
  served = await serveIn(() => 'auth: { mode: token }\nserver: { port: 0 }\n');
  [runner, operator] = [await key(served, 'runner'), await key(served, 'operator')];
});
after(async () => stop(served));

const note = (i: number) => ({ source: `notes/note-${i}.md`, content: `# Note ${i}\n\nNote ${i} is about leases and checkpoints, number ${i}.\n\n## Detail ${i}\n\nBudgets ${i * 7} and quotas.\n` });
const codes = (outcomes: Outcome[]) => outcomes.map((o) => (o.ok ? 'ok' : o.code));

interface Job {
  id: string;
  status: string;
  total: number;
  done: number;
  report: { added: number; unchanged: number; chunks: number; embedded: number; failed: Array<{ source: string; reason: string }> };
}

async function create(name: string): Promise<void> {
  const created = await http(served!, operator, 'POST', '/v1/kb', { name, embedding_model: 'scripted:demo' });
  assert.ok(created.ok, JSON.stringify(created));
}

async function waitForJob(name: string, id: string, until: (job: Job) => boolean, ms = 60_000): Promise<Job> {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await http(served!, runner, 'GET', `/v1/kb/${name}/jobs/${id}`).catch(() => undefined);
    if (answer?.ok && until(answer.value as unknown as Job)) return answer.value as unknown as Job;
    if (Date.now() > deadline) assert.fail(`job ${id}: ${JSON.stringify(answer)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function events(id: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  // The raw log, as JSON lines.
  const response = await fetch(`${served!.base}/v1/runs/${id}/log`, { headers: { authorization: `Bearer ${operator}` } });
  assert.equal(response.status, 200);
  return (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> });
}

describe('knowledge-base ingest jobs', () => {
  it('queues a job at once (202 and its Location), adds it in batches on its log, and reports it the same over HTTP and the CLI', async () => {
    await create('team');
    const documents = [...Array.from({ length: 69 }, (_, i) => note(i)), { source: 'broken.pdf', content: 'not a pdf', encoding: 'utf8' as const }];
    const response = await fetch(`${served!.base}/v1/kb/team/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ documents }),
    });
    const queued = (await response.json()) as Job;
    assert.equal(response.status, 202, JSON.stringify(queued));
    assert.equal(response.headers.get('location'), `/v1/kb/team/jobs/${queued.id}`);
    assert.deepEqual([queued.total, queued.done], [70, 0]);

    const done = await waitForJob('team', queued.id, (job) => job.status === 'completed');
    assert.deepEqual([done.done, done.report.added, done.report.failed.map((f) => f.source)], [70, 69, ['broken.pdf']]);
    assert.ok(done.report.chunks >= 138 && done.report.embedded === done.report.chunks, JSON.stringify(done.report));

    const log = await events(queued.id);
    const batches = log.filter((e) => e.type === 'kb.ingested').map((e) => e.data.done);
    assert.deepEqual(batches, [32, 64, 70], 'one kb.ingested a batch, saying how far the job is');
    assert.deepEqual(log.filter((e) => e.type === 'step.started').map((e) => [e.data.step, e.data.kind]), [['ingest:0', 'ingest'], ['ingest:1', 'ingest'], ['ingest:2', 'ingest']]);
    const verified = await http(served!, operator, 'GET', `/v1/runs/${queued.id}/verify`);
    assert.ok(verified.ok && verified.value.ok, JSON.stringify(verified));

    const found = await http(served!, runner, 'POST', '/v1/kb/team/search', { query: 'budgets 476', k: 1, mode: 'bm25' });
    assert.ok(found.ok);
    assert.equal((found.value.hits as Array<{ source: string }>)[0]?.source, 'notes/note-68.md', 'the last batch is searchable');

    const shown = cliOutcome(await cli(served!, ['kb', 'job', 'team', queued.id, '--json']));
    assert.ok(shown.ok);
    assert.deepEqual({ ...shown.value, updated_at: '' }, { ...done, updated_at: '' });
  });

  it('refuses a runner, an unknown base, a bad source and an unknown or foreign job, with nothing queued', async () => {
    const refused = await Promise.all([
      http(served!, runner, 'POST', '/v1/kb/team/jobs', { documents: [note(1)] }),
      http(served!, operator, 'POST', '/v1/kb/nope/jobs', { documents: [note(1)] }),
      http(served!, operator, 'POST', '/v1/kb/team/jobs', { documents: [{ source: 'a.md' }] }),
      http(served!, runner, 'GET', '/v1/kb/team/jobs/00000000-0000-4000-8000-000000000000'),
      http(served!, runner, 'GET', '/v1/kb/team/jobs/not-a-uuid'),
      cli(served!, ['kb', 'job', 'team', 'not-a-uuid', '--json']).then(cliOutcome),
    ]);
    assert.deepEqual(codes(refused), ['forbidden', 'kb_not_found', 'invalid_request', 'kb_job_not_found', 'kb_job_not_found', 'kb_job_not_found']);
    // A run that is not an ingest job of this base is not one of its jobs.
    const run = await http(served!, operator, 'POST', '/v1/runs', { model: 'scripted:demo' });
    assert.ok(run.ok, JSON.stringify(run));
    assert.deepEqual(codes([await http(served!, runner, 'GET', `/v1/kb/team/jobs/${run.value.id as string}`)]), ['kb_job_not_found']);
  });

  it('a job whose server is SIGKILLed mid-way resumes when the server starts again, and ends as an uninterrupted job does, embedding nothing twice', async () => {
    const documents = Array.from({ length: 480 }, (_, i) => note(i));
    for (const name of ['killed', 'whole']) await create(name);
    const killed = await http(served!, operator, 'POST', '/v1/kb/killed/jobs', { documents });
    assert.ok(killed.ok, JSON.stringify(killed));
    const id = killed.value.id as string;
    await waitForJob('killed', id, (job) => job.done >= 32);
    served!.child.kill('SIGKILL');
    await exited(served!.child);

    const child = startCli(['serve'], served!.where);
    const line = await waitForLine(child, (text) => text.startsWith('umca listening on'));
    served = { ...served!, child, base: /on (http:\S+)/.exec(line)![1]! };
    const resumed = await waitForJob('killed', id, (job) => job.status === 'completed');

    const whole = await http(served!, operator, 'POST', '/v1/kb/whole/jobs', { documents });
    assert.ok(whole.ok, JSON.stringify(whole));
    const uninterrupted = await waitForJob('whole', whole.value.id as string, (job) => job.status === 'completed');

    const log = await events(id);
    assert.ok(log.some((e) => e.type === 'run.resumed'), 'the job was cut short and resumed');
    const steps = log.filter((e) => e.type === 'step.completed').map((e) => e.data.step);
    assert.equal(new Set(steps).size, steps.length, 'no batch completed twice');
    assert.equal(steps.length, 15);
    // Sources the killed server had stored in the batch it was cut short in come back unchanged
    // (2 chunks each, embedded then, not again); every chunk the resumed job wrote was embedded once.
    assert.equal(resumed.done, 480);
    assert.equal(resumed.report.added + resumed.report.unchanged, 480);
    assert.equal(resumed.report.chunks + 2 * resumed.report.unchanged, uninterrupted.report.chunks);
    assert.equal(resumed.report.embedded, resumed.report.chunks);
    assert.deepEqual([uninterrupted.report.chunks, uninterrupted.report.embedded], [960, 960]);
    const show = async (name: string) => {
      const shown = await http(served!, runner, 'GET', `/v1/kb/${name}`);
      assert.ok(shown.ok);
      const { documents, chunks } = shown.value.base as { documents: number; chunks: number };
      return [documents, chunks];
    };
    assert.deepEqual(await show('killed'), await show('whole'));
  });
});

describe('knowledge-base ingest jobs that end without their sources', () => {
  it('a job whose base is removed before it runs fails kb_not_found, and neither it nor a cancelled job leaves its sources staged', async () => {
    // No worker yet: queued jobs wait.
    const umca = await composeUmca(parseConfig({ home: scratch().env.UMCA_HOME! }), { store: await openPgliteStore() });
    try {
      const kb = umca.knowledge.for(LOCAL_PRINCIPAL);
      for (const name of ['gone', 'kept']) await kb.create({ name, embedding_model: 'scripted:demo' });
      const doomed = await kb.startIngest('gone', { documents: [note(1), note(2)] });
      const cancelled = await kb.startIngest('kept', { documents: [note(3)] });
      assert.equal((await umca.store.knowledge.listKbIngestStaged()).length, 2);
      await kb.remove('gone');
      await umca.runs.for(LOCAL_PRINCIPAL).cancel(cancelled.id, 'not wanted');
      umca.worker.start();
      for (let i = 0; i < 200 && !['failed', 'completed'].includes((await umca.store.getRun(doomed.id))?.status ?? ''); i += 1) await new Promise((r) => setTimeout(r, 20));
      const failed = await umca.store.getRun(doomed.id);
      assert.equal(failed?.status, 'failed');
      assert.match(failed?.reason ?? '', /no knowledge base "gone"/);

      // The next job clears what ended jobs left staged, and its own sources are gone once it is done.
      const next = await kb.startIngest('kept', { documents: [note(4)] });
      assert.deepEqual((await umca.store.knowledge.listKbIngestStaged()).map((s) => s.job), [next.id]);
      for (let i = 0; i < 200 && (await umca.store.getRun(next.id))?.status !== 'completed'; i += 1) await new Promise((r) => setTimeout(r, 20));
      assert.equal((await kb.job('kept', next.id)).status, 'completed');
      assert.deepEqual(await umca.store.knowledge.listKbIngestStaged(), []);
    } finally {
      await umca.close();
    }
  });
});
