import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { draft, type EventDraft } from '../../src/core/events.js';
import { verifyChain } from '../../src/core/hash-chain.js';
import type { Pipeline } from '../../src/engine/pipeline.js';
import { testUmca } from '../support/umca.js';

// An event that fails its schema is umca's own bug: the step fails once, with the reason on
// the log, and the run ends — never a commit retried until the run is dead-lettered, which
// would repeat whatever the step did (a permitted request, a paid model call) each time.
describe('security: an event that breaks the log fails its step once', () => {
  for (const [label, bad] of [
    ['a NaN port', draft('sandbox.egress', 'sandbox:process', { step: 'test#1', lane: 'process', host: '127.0.0.1', port: Number.NaN, allowed: false, reason: 'bad_port' })],
    ['a negative duration', draft('step.completed', 'engine', { step: 'test#1', duration_ms: -5 } as never)],
    ['data past the size bound', draft('sandbox.egress', 'sandbox:process', { step: 'test#1', lane: 'process', host: 'x'.repeat(2 * 1024 * 1024), port: 443, allowed: false, reason: 'not_listed' })],
  ] as Array<[string, EventDraft]>) {
    it(`${label}: the run fails with event_invalid after one try of the step, and its chain holds`, async () => {
      let bodies = 0;
      const pipeline: Pipeline = async (context) => {
        await context.step('test#1', 'sandbox', async (scope) => {
          bodies += 1;
          scope.emit(bad);
          return 'done';
        });
        return { status: 'completed', attempts: 1, files: [] };
      };
      const umca = await testUmca({}, { pipeline });
      try {
        const run = await umca.engine.createRun({ spec: 'x', model: 'scripted:demo', claim: true });
        const ended = await umca.engine.execute(run.id);
        assert.equal(ended.status, 'failed');
        assert.match(ended.reason ?? '', /umca could not record (sandbox\.egress|step\.completed)/);
        assert.equal(bodies, 1, 'the step body ran once');
        const events = await umca.store.readEvents(run.id);
        const failed = events.find((e) => e.type === 'run.failed');
        assert.equal(failed?.type === 'run.failed' && failed.data.error?.code, 'event_invalid');
        assert.equal(verifyChain(events).ok, true);
        // A second execution finds the run ended: nothing is run again.
        assert.equal((await umca.engine.execute(run.id)).status, 'failed');
        assert.equal(bodies, 1);
      } finally {
        await umca.close();
      }
    });
  }
});
