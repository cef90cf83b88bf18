import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import type { RunEvent } from '../src/core/events.js';
import { verifyChain } from '../src/core/hash-chain.js';
import { openPgliteStore } from '../src/store/pglite/pglite-driver.js';
import { fileURLToPath } from 'node:url';
import { exited, runBuilt, runCli, scratch, startCli, waitForLine } from './support/cli.js';
import { demoFixture, scriptedFixtureFile } from './support/scripted.js';

const DEMO_SPEC = demoFixture().spec!;

/**
 * The demo with a coder that does not answer for minutes, so a test kills the process
 * while the coder step is surely still at work, however loaded the machine. `unstall()`
 * restores the plain demo for the processes started afterwards (the resume).
 */
function stalledCoderModel(): { model: string; unstall(): void } {
  const fixture = demoFixture();
  const file = scriptedFixtureFile({ ...fixture, replies: { ...fixture.replies, coder: fixture.replies.coder!.map((content) => ({ content: content as string, delay_ms: 600_000 })) } });
  return { model: file.model, unstall: () => file.rewrite(fixture) };
}

async function readLog(home: string, runId: string): Promise<RunEvent[]> {
  const store = await openPgliteStore(join(home, 'pglite'));
  try {
    return await store.readEvents(runId);
  } finally {
    await store.close();
  }
}

function assertResumedCleanly(events: RunEvent[]): void {
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'seq is gap-free');
  assert.ok(verifyChain(events).ok, 'the chain is intact');
  assert.equal(events.at(-1)?.type, 'run.completed');
  assert.ok(events.some((e) => e.type === 'run.resumed'), 'the log shows the resume');
  const completions = events.filter((e) => e.type === 'step.completed').map((e) => e.type === 'step.completed' && e.data.step);
  assert.equal(new Set(completions).size, completions.length, `no step completed twice: ${completions.join(', ')}`);
  assert.equal(events.filter((e) => e.type === 'model.request' && e.data.role === 'planner').length, 1, 'the planner was not asked again');
}

describe('umca CLI, end to end', () => {
  it('runs the demo, prints the artifact path, and verifies the chain', async () => {
    const where = scratch();
    const result = await runCli(['run', '--model', 'scripted:demo', DEMO_SPEC], where);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /model scripted:demo \(replies are scripted, not from a real model\)/);
    assert.match(result.stdout, /✗ strips accents/);
    assert.match(result.stdout, /tests: 4 passed, 0 failed/);
    const id = /^run (\S+)$/m.exec(result.stdout)?.[1];
    assert.ok(id);
    assert.match(result.stdout, new RegExp(`artifacts: \\.umca/runs/${id}/`));
    assert.ok(existsSync(join(where.cwd, '.umca', 'runs', id, 'src', 'slugify.ts')));

    const verify = await runCli(['verify', id], where);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /^chain intact: \d+ events, head [0-9a-f]{64}$/m);

    const list = await runCli(['runs', '--json'], where);
    assert.equal((JSON.parse(list.stdout) as Array<{ id: string; status: string }>)[0]?.status, 'completed');
    const show = await runCli(['runs', 'show', id], where);
    assert.match(show.stdout, /status {3}completed/);
    assert.match(show.stdout, /src\/slugify\.ts \(244 B/);

    const usage = await runCli(['usage'], where);
    assert.equal(usage.code, 0, usage.stderr);
    assert.match(usage.stdout, /^scripted:demo +5 +0 +0 /m, 'the run made five model calls: planner, judge, researcher, coder twice');
  });

  it('works as the built package: npx umca run, then npx umca verify', async () => {
    const where = scratch();
    const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
    const npx = (args: string[]) => runBuilt(bin, args, where);
    const run = await npx(['run', '--model', 'scripted:demo', DEMO_SPEC]);
    assert.equal(run.code, 0, run.stderr);
    const id = /^run (\S+)$/m.exec(run.stdout)?.[1];
    assert.match(run.stdout, new RegExp(`^artifacts: \\.umca/runs/${id}/$`, 'm'));
    const verify = await npx(['verify', id!]);
    assert.equal(verify.code, 0, verify.stderr);
  });

  it('prints events as JSON lines with --json', async () => {
    const where = scratch();
    const result = await runCli(['run', '--json', '--model', 'scripted:demo', DEMO_SPEC], where);
    assert.equal(result.code, 0, result.stderr);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as RunEvent);
    assert.equal(events[0]?.type, 'run.created');
    assert.equal(events.at(-1)?.type, 'run.completed');
    assert.ok(verifyChain(events).ok, 'the printed events are the chain itself');
  });

  it('finishes a run killed with SIGKILL during the coder step after `umca resume`', async () => {
    const where = scratch();
    const coder = stalledCoderModel();
    const child = startCli(['run', '--json', '--model', coder.model, DEMO_SPEC], where);
    const line = await waitForLine(child, (l) => l.includes('"model.request"') && l.includes('"role":"coder"'));
    const runId = (JSON.parse(line) as RunEvent).run_id;
    child.kill('SIGKILL');
    await exited(child);

    coder.unstall();
    const resumed = await runCli(['resume', runId], where);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /↻ resumed on .*; finished steps kept: gate:g0-intake, plan, gate:g1-plan, research, gate:g2-provenance\n/);
    assert.match(resumed.stdout, /✓ completed/);
    assertResumedCleanly(await readLog(where.env.UMCA_HOME!, runId));
    assert.equal((await runCli(['verify', runId], where)).code, 0);
  });

  it('stops on Ctrl-C with exit 130, keeping the run resumable', async () => {
    const where = scratch();
    const coder = stalledCoderModel();
    const child = startCli(['run', '--json', '--model', coder.model, DEMO_SPEC], where);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const line = await waitForLine(child, (l) => l.includes('"model.request"') && l.includes('"role":"coder"'));
    const runId = (JSON.parse(line) as RunEvent).run_id;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 130);
    assert.equal(stderr, `umca: interrupted; the run is kept: umca resume ${runId}\n`);
    coder.unstall();
    const resumed = await runCli(['resume', runId], where);
    assert.equal(resumed.code, 0, resumed.stderr);
    assertResumedCleanly(await readLog(where.env.UMCA_HOME!, runId));
  });

  it('finishes a run killed with its server after `umca serve` restarts', async () => {
    const where = scratch();
    const coder = stalledCoderModel();
    writeFileSync(join(where.cwd, 'umca.yaml'), `model: ${coder.model}\nserver:\n  port: 0\n`);
    const first = startCli(['serve'], where);
    const url = /(http:\/\/\S+)/.exec(await waitForLine(first, (l) => l.startsWith('umca listening on')))![1]!;
    const created = (await (await fetch(`${url}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ spec: DEMO_SPEC }) })).json()) as { id: string };
    // Follow the live stream until the coder is at work, then kill the server outright.
    const stream = await fetch(`${url}/v1/runs/${created.id}/events`);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    while (!/"role":"coder"/.test(seen)) seen += (await reader.read()).value ?? '';
    first.kill('SIGKILL');
    await exited(first);

    coder.unstall();
    const second = startCli(['serve'], where);
    const secondUrl = /(http:\/\/\S+)/.exec(await waitForLine(second, (l) => l.startsWith('umca listening on')))![1]!;
    try {
      let status = '';
      for (let i = 0; i < 200 && status !== 'completed'; i += 1) {
        status = ((await (await fetch(`${secondUrl}/v1/runs/${created.id}`)).json()) as { status: string }).status;
        if (status !== 'completed') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status, 'completed');
      const verify = (await (await fetch(`${secondUrl}/v1/runs/${created.id}/verify`)).json()) as { ok: boolean };
      assert.equal(verify.ok, true);
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }
    assertResumedCleanly(await readLog(where.env.UMCA_HOME!, created.id));
  });

  it('exits 1 naming the seq when a stored event was tampered with', async () => {
    const where = scratch();
    const result = await runCli(['run', '--json', '--model', 'scripted:demo', DEMO_SPEC], where);
    const printed = result.stdout.trim().split('\n');
    const events = printed.map((line) => JSON.parse(line) as RunEvent);
    const runId = events[0]!.run_id;
    // A later event that mentions the spec's subject (a model reply), edited in place.
    const seq = events.find((e) => e.seq > 2 && JSON.stringify(e.data).includes('slugify'))!.seq;
    const db = new PGlite(join(where.env.UMCA_HOME!, 'pglite'));
    await db.query(`UPDATE events SET data = replace(data, 'slugify', 'slugifx') WHERE run_id = $1 AND seq = $2`, [runId, seq]);
    await db.close();
    const verify = await runCli(['verify', runId], where);
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, new RegExp(`^chain broken at seq ${seq}: hash does not match the event content$`, 'm'));
    const json = await runCli(['verify', '--json', runId], where);
    assert.deepEqual(JSON.parse(json.stdout), { run_id: runId, ok: false, events: printed.length, broken_seq: seq, reason: 'hash does not match the event content' });
  });

  it('stops at a gate with exit 2, the reasons and how to override; `umca override` takes it on to completion', async () => {
    const where = scratch();
    const fixture = demoFixture();
    const plan = JSON.parse(fixture.replies.planner![0] as string) as { requirements: Array<{ id: string }> };
    plan.requirements = plan.requirements.filter((r) => r.id !== 'R3' && r.id !== 'R5');
    const model = scriptedFixtureFile({ ...fixture, replies: { ...fixture.replies, planner: [JSON.stringify(plan)] } }).model;
    const blocked = await runCli(['run', '--model', model, DEMO_SPEC], where);
    assert.equal(blocked.code, 2, blocked.stderr);
    assert.match(blocked.stdout, /■ blocked by gate g1-plan: 4 of 6 spec requirements are in the plan; missing: "strips accents \(é -> e\)" \(line 1\)/);
    const id = /^run (\S+)$/m.exec(blocked.stdout)![1]!;
    assert.match(blocked.stdout, new RegExp(`^override:  npx umca override ${id} --reason "<why>"`, 'm'));

    const overridden = await runCli(['override', id, '--reason', 'accents and trimming are in the acceptance criteria'], where);
    assert.equal(overridden.code, 0, overridden.stderr);
    assert.match(overridden.stdout, /↷ gate g1-plan overridden by user:local: accents and trimming are in the acceptance criteria/);
    assert.match(overridden.stdout, /✓ completed/);
    assert.equal((await runCli(['verify', id], where)).code, 0);
  });

  it('archives the events of finished runs; they stay readable and the chain still verifies', async () => {
    const where = scratch();
    const run = await runCli(['run', '--model', 'scripted:demo'], where);
    const id = /^run (\S+)$/m.exec(run.stdout)![1]!;
    const before = (await runCli(['runs', 'show', id, '--json'], where)).stdout;
    const archived = await runCli(['archive', '--older-than', '0', '--json'], where);
    assert.equal(archived.code, 0, archived.stderr);
    assert.deepEqual(JSON.parse(archived.stdout), [id]);
    assert.equal((await runCli(['verify', id], where)).code, 0, 'verified from the archive');
    assert.equal((await runCli(['runs', 'show', id, '--json'], where)).stdout, before);
    assert.match((await runCli(['archive', '--older-than', '0'], where)).stdout, /^archived the events of 0 runs that ended before \d{4}-\d{2}-\d{2}\n$/);
  });

});
