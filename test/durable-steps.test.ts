import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunEvent } from '../src/core/events.js';
import { verifyChain } from '../src/core/hash-chain.js';
import type { Pipeline } from '../src/engine/pipeline.js';
import { openPgliteStore } from '../src/store/pglite/pglite-driver.js';
import type { Store } from '../src/store/store.js';
import type { Commit } from '../src/store/run-store.js';
import { testUmca } from './support/umca.js';

/** A store whose commits carrying a given checkpoint are slow, or fail. */
async function storeWith(behaviour: { slowStep?: string; failStep?: string }): Promise<Store> {
  const real = await openPgliteStore();
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== 'commit') {
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (runId: string, commit: Commit) => {
        const steps = (commit.checkpoints ?? []).map((c) => c.step);
        if (behaviour.failStep && steps.includes(behaviour.failStep)) {
          behaviour.failStep = undefined; // one fault, then the disk has room again
          throw new Error('disk full');
        }
        if (behaviour.slowStep && steps.includes(behaviour.slowStep)) await new Promise((r) => setTimeout(r, 150));
        return target.commit(runId, commit);
      };
    },
  });
}

const steps = (events: RunEvent[]) => events.filter((e) => e.type === 'step.completed').map((e) => e.type === 'step.completed' && e.data.step);

describe('durable steps', () => {
  it('starts an external step only once every earlier result is durable', async () => {
    const store = await storeWith({ slowStep: 'first' });
    const seenAtStart: string[][] = [];
    const pipeline: Pipeline = async (context) => {
      await context.step('first', 'agent', async () => 'one');
      await context.step('effect', 'agent', async () => {
        seenAtStart.push([...(await store.loadCheckpoints(context.run.id)).keys()]);
        return 'two';
      }, { external: true });
      return { status: 'completed', attempts: 1, files: [] };
    };
    const umca = await testUmca({}, { store, pipeline });
    try {
      const run = await umca.engine.createRun({ spec: 'x', model: 'scripted:demo', claim: true });
      assert.equal((await umca.engine.execute(run.id)).status, 'completed');
      assert.deepEqual(seenAtStart, [['first']], 'the slow checkpoint was stored before the external body began');
      assert.deepEqual(steps(await store.readEvents(run.id)), ['first', 'effect']);
    } finally {
      await umca.close();
    }
  });

  it('records nothing of a later step when an earlier checkpoint fails to store', async () => {
    const store = await storeWith({ failStep: 'first' });
    const pipeline: Pipeline = async (context) => {
      await context.step('first', 'agent', async () => 'one');
      await context.step('second', 'agent', async (scope) => {
        scope.emit({ type: 'gate.decision', actor: 'gate:x', data: { gate: 'x', step: 'second', decision: 'pass', reasons: [] } });
        return 'two';
      });
      return { status: 'completed', attempts: 1, files: [] };
    };
    const umca = await testUmca({}, { store, pipeline });
    try {
      const run = await umca.engine.createRun({ spec: 'x', model: 'scripted:demo', claim: true });
      await assert.rejects(umca.engine.execute(run.id), /disk full/);
      const events = await store.readEvents(run.id);
      assert.ok(verifyChain(events).ok);
      assert.deepEqual(steps(events), [], 'neither step is recorded as finished');
      assert.ok(!events.some((e) => e.type === 'gate.decision'), 'nothing the second step did reached the log');
      const after = await store.getRun(run.id);
      assert.ok(after && !['completed', 'failed', 'blocked', 'cancelled'].includes(after.status), 'the run is not ended');
      assert.equal(after?.lease_owner, null, 'and its lease is released');
      // Once the store recovers, the same run executes to completion with an intact log.
      assert.equal((await umca.engine.execute(run.id)).status, 'completed');
      const final = await store.readEvents(run.id);
      assert.deepEqual(steps(final), ['first', 'second']);
      assert.ok(verifyChain(final).ok);
    } finally {
      await umca.close();
    }
  });
});

describe('durability lag', () => {
  it('a fast run SIGKILLed mid-way re-runs at most one finished step when it resumes', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const child = fileURLToPath(new URL('./support/zero-work-steps.ts', import.meta.url));
    const tsx = import.meta.resolve('tsx');
    const home = mkdtempSync(join(tmpdir(), 'umca-lag-'));
    // 100 steps that return at once; the process kills itself in the body of step 51.
    const started = spawnSync(process.execPath, ['--import', tsx, child, 'start', home, '100', '51'], { encoding: 'utf8' });
    assert.equal(started.signal, 'SIGKILL', started.stderr);
    const resumed = spawnSync(process.execPath, ['--import', tsx, child, 'resume', home, '100', started.stdout.trim()], { encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr);
    const { first_body: firstBody, status } = JSON.parse(resumed.stdout) as { first_body: number; status: string };
    assert.equal(status, 'completed');
    // Steps 1..50 finished before the kill; the resume starts at the first one not durable.
    assert.ok(firstBody >= 50 && firstBody <= 51, `the resume ran step ${firstBody} first: ${51 - firstBody} finished steps ran again`);
  });
});
