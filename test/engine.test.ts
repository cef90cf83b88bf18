import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidRequestError, NotFoundError } from '../src/core/errors.js';
import type { RunEvent } from '../src/core/events.js';
import { verifyChain } from '../src/core/hash-chain.js';
import { eventSubject } from '../src/bus/bus.js';
import type { Gate } from '../src/engine/gate.js';
import { composeUmca } from '../src/composition.js';
import { DEMO_SPEC, demoFixture, PASSING_REVIEW, scriptedModel } from './support/scripted.js';
import { testUmca } from './support/umca.js';

const types = (events: RunEvent[]) => events.map((e) => e.type);
const count = (events: RunEvent[], predicate: (e: RunEvent) => boolean) => events.filter(predicate).length;

describe('the governed run, in one process', () => {
  it('runs the demo to completion: plan, a failing attempt, a fix, artifacts, an intact chain', async () => {
    const umca = await testUmca();
    try {
      const run = await umca.engine.createRun({ spec: demoFixture().spec!, model: 'scripted:demo' });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'completed');
      const events = await umca.store.readEvents(run.id);
      assert.ok(verifyChain(events).ok);
      const tests = events.filter((e) => e.type === 'sandbox.finished');
      assert.deepEqual(tests.map((e) => e.type === 'sandbox.finished' && e.data.message), ['3 passed, 1 failed', '4 passed, 0 failed']);
      assert.equal(types(events).at(-1), 'run.completed');
      const artifacts = await umca.store.listArtifacts(run.id);
      assert.deepEqual(artifacts.map((a) => a.path), ['src/slugify.ts', 'test/slugify.test.ts']);
      const onDisk = readFileSync(join(umca.config.home, 'runs', run.id, 'src/slugify.ts'), 'utf8');
      assert.match(onDisk, /normalize\('NFD'\)/);
    } finally {
      await umca.close();
    }
  });

  it('resumes an interrupted run from its checkpoints without re-running finished steps', async () => {
    const fixture = demoFixture();
    // The coder takes long enough for the first process to stop mid-step.
    const model = scriptedModel({ ...fixture, replies: { ...fixture.replies, coder: fixture.replies.coder!.map((c) => ({ content: c as string, delay_ms: 400 })) } });
    const first = await testUmca();
    const run = await first.engine.createRun({ spec: DEMO_SPEC, model });
    const coderStarted = new Promise<void>((resolve) =>
      first.bus.subscribe(eventSubject(run.id), (e) => {
        const event = e as RunEvent;
        if (event.type === 'model.request' && event.data.role === 'coder') resolve();
      }),
    );
    const interrupted = first.engine.execute(run.id);
    await coderStarted;
    await first.engine.close(); // the process goes away mid-coder
    assert.equal((await interrupted).status, 'running');

    // A second umca on the same store picks the run up.
    await first.sandbox.close();
    const second = await composeUmca(first.config, { store: first.store });
    const done = await second.engine.execute(run.id);
    assert.equal(done.status, 'completed');
    const events = await first.store.readEvents(run.id);
    assert.ok(verifyChain(events).ok, 'chain intact');
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'gap-free seq');
    const resumed = events.find((e) => e.type === 'run.resumed');
    assert.ok(resumed?.type === 'run.resumed' && resumed.data.completed_steps.includes('plan'));
    assert.equal(count(events, (e) => e.type === 'step.completed' && e.data.step === 'plan'), 1, 'plan ran once');
    assert.equal(count(events, (e) => e.type === 'model.request' && e.data.role === 'planner'), 1, 'planner asked once');
    assert.equal(count(events, (e) => e.type === 'step.completed' && e.data.step === 'code#1'), 1);
    await second.close();
  });

  it('ends a run as blocked when a gate blocks, with the reasons recorded', async () => {
    const seen: string[] = [];
    const blocker: Gate<{ plan: { files: string[] } }> = {
      id: 'test-gate',
      async evaluate(input) {
        seen.push(...input.plan.files);
        return { decision: 'block', score: 0.2, reasons: ['plan names no README'] };
      },
    };
    const umca = await testUmca({}, { gates: { afterPlan: [blocker] } });
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: 'scripted:demo' });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'blocked');
      assert.match(done.reason ?? '', /plan names no README/);
      const events = await umca.store.readEvents(run.id);
      const decision = events.find((e) => e.type === 'gate.decision' && e.data.gate === 'test-gate');
      assert.ok(decision?.type === 'gate.decision');
      assert.deepEqual([decision.data.decision, decision.data.score, decision.data.reasons], ['block', 0.2, ['plan names no README']]);
      assert.equal(types(events).at(-1), 'run.blocked');
      assert.ok(!types(events).includes('model.request') || count(events, (e) => e.type === 'model.request' && e.data.role === 'coder') === 0, 'coder never ran');
      assert.deepEqual(seen, ['src/slugify.ts', 'test/slugify.test.ts']);
    } finally {
      await umca.close();
    }
  });

  it('lets a passing gate through and records its decision', async () => {
    const pass: Gate<unknown> = { id: 'ok-gate', evaluate: async () => ({ decision: 'pass', reasons: ['fine'] }) };
    const umca = await testUmca({}, { gates: { afterCode: [pass] } });
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: 'scripted:demo' });
      assert.equal((await umca.engine.execute(run.id)).status, 'completed');
      const events = await umca.store.readEvents(run.id);
      assert.equal(count(events, (e) => e.type === 'gate.decision' && e.data.gate === 'ok-gate' && e.data.decision === 'pass'), 2, 'one per coder attempt');
    } finally {
      await umca.close();
    }
  });

  it('feeds an invalid plan back to the planner with the validation error', async () => {
    const fixture = demoFixture();
    const model = scriptedModel({ ...fixture, replies: { ...fixture.replies, planner: ['{"title": "slugify"}', fixture.replies.planner![0]!] } });
    const umca = await testUmca();
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model });
      assert.equal((await umca.engine.execute(run.id)).status, 'completed');
      const requests = (await umca.store.readEvents(run.id)).filter((e) => e.type === 'model.request' && e.data.role === 'planner');
      assert.deepEqual(requests.map((e) => e.type === 'model.request' && e.data.messages), [1, 3], 'the retry carries the bad reply and the error');
    } finally {
      await umca.close();
    }
  });

  it('fails the run when the planner never produces a valid plan', async () => {
    const umca = await testUmca();
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: scriptedModel({ replies: { planner: ['not json at all'] } }) });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'failed');
      assert.match(done.reason ?? '', /planner's reply stayed invalid after 3 tries/);
      const events = await umca.store.readEvents(run.id);
      assert.deepEqual(types(events).slice(-2), ['step.failed', 'run.failed']);
    } finally {
      await umca.close();
    }
  });

  it('gives up after the configured number of coder attempts', async () => {
    const fixture = demoFixture();
    const model = scriptedModel({ ...fixture, replies: { ...fixture.replies, coder: [fixture.replies.coder![0]!] } });
    const umca = await testUmca({ pipeline: { max_code_attempts: 3 } });
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'failed');
      assert.match(done.reason ?? '', /tests still failing after 3 attempts/);
      const events = await umca.store.readEvents(run.id);
      assert.equal(count(events, (e) => e.type === 'sandbox.finished'), 3);
      assert.equal((await umca.store.listArtifacts(run.id)).length, 2, 'the last attempt is kept for inspection');
    } finally {
      await umca.close();
    }
  });

  it('cancels a run in flight', async () => {
    const umca = await testUmca();
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: scriptedModel({ delay_ms: 5_000, replies: { planner: ['{}'] } }) });
      const execution = umca.engine.execute(run.id);
      await new Promise((r) => setTimeout(r, 100));
      const cancelled = await umca.engine.cancel(run.id, 'changed my mind');
      assert.equal(cancelled.status, 'cancelled');
      assert.equal((await execution).status, 'cancelled');
      const events = await umca.store.readEvents(run.id);
      const last = events.at(-1);
      assert.ok(last?.type === 'run.cancelled' && last.data.reason === 'changed my mind');
      assert.ok(verifyChain(events).ok);
    } finally {
      await umca.close();
    }
  });

  it('calls each role through the model its config maps it to', async () => {
    const fixture = demoFixture();
    // This fixture's planner is useless; the planner role is mapped to the demo instead.
    const coderOnly = scriptedModel({ ...fixture, name: 'coder-only', replies: { ...PASSING_REVIEW, planner: ['not a plan'], coder: fixture.replies.coder! } });
    const umca = await testUmca({ pipeline: { roles: { planner: 'scripted:demo' } } });
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: coderOnly, claim: true });
      assert.equal((await umca.engine.execute(run.id)).status, 'completed');
      const requests = (await umca.store.readEvents(run.id)).filter((e) => e.type === 'model.request');
      const modelsByRole = new Set(requests.map((e) => e.type === 'model.request' && `${e.data.role}=${e.data.model}`));
      assert.deepEqual([...modelsByRole].sort(), [`coder=${coderOnly}`, `judge=${coderOnly}`, 'planner=scripted:demo', `researcher=${coderOnly}`]);
    } finally {
      await umca.close();
    }
    await assert.rejects(testUmca({ pipeline: { roles: { coder: 'nowhere' } } }), /pipeline\.roles\.coder: unknown model "nowhere"/);
  });

  it('cancels a run that was created but never started, releasing its lease', async () => {
    const umca = await testUmca();
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: 'scripted:demo', claim: true });
      assert.equal(run.lease_owner, umca.engine.workerId);
      const cancelled = await umca.engine.cancel(run.id, 'not needed');
      assert.deepEqual([cancelled.status, cancelled.lease_owner], ['cancelled', null]);
      assert.equal((await umca.engine.execute(run.id)).status, 'cancelled', 'executing it afterwards changes nothing');
      assert.deepEqual((await umca.store.readEvents(run.id)).map((e) => e.type), ['run.created', 'run.cancelled']);
    } finally {
      await umca.close();
    }
  });

  it('fails a run whose model server is unreachable, naming the provider and URL', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const umca = await testUmca({ providers: { local: { type: 'openai-compatible', base_url: `http://127.0.0.1:${port}/v1`, model: 'qwen' } } });
    try {
      const run = await umca.engine.createRun({ spec: DEMO_SPEC, model: 'local' });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'failed');
      assert.match(done.reason ?? '', new RegExp(`openai-compatible at http://127.0.0.1:${port}/v1/chat/completions: cannot reach the model server \\(ECONNREFUSED\\)`));
    } finally {
      await umca.close();
    }
  });

  it('refuses an empty spec, an over-long spec and an unknown model', async () => {
    const umca = await testUmca({ limits: { spec_max_chars: 10 } });
    try {
      await assert.rejects(umca.engine.createRun({ spec: '   ', model: 'scripted:demo' }), (e: unknown) => e instanceof InvalidRequestError && e.code === 'spec_missing');
      await assert.rejects(umca.engine.createRun({ spec: 'x'.repeat(11), model: 'scripted:demo' }), (e: unknown) => e instanceof InvalidRequestError && e.code === 'spec_too_long');
      await assert.rejects(umca.engine.createRun({ spec: 'ok', model: 'gpt-nothing' }), (e: unknown) => e instanceof NotFoundError && e.code === 'model_not_found');
      assert.equal((await umca.store.listRuns()).length, 0);
    } finally {
      await umca.close();
    }
  });
});
