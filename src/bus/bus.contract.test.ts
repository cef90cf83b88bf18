import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { busBackends } from '../../test/support/bus-backends.js';
import type { Bus, WorkItem } from './bus.js';

/** Resolves when `check` holds, polling; fails after `ms`. */
async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const backend of busBackends()) {
  describe(`Bus contract: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    let bus: Bus;
    const errors: unknown[] = [];
    before(async () => {
      opened = await backend.open({ onError: (e) => errors.push(e), ackWaitMs: 1_000 });
      bus = opened.bus;
    });
    after(() => opened.dispose());

    it('delivers to exact and prefix subscribers, across processes; unsubscribe is idempotent', async () => {
      const other = await opened.sibling();
      const seen: string[] = [];
      const offExact = other.subscribe('umca.events.r1', (m) => seen.push(`exact:${JSON.stringify(m)}`));
      const offAll = other.subscribe('umca.events.>', (m, s) => seen.push(`all:${s}:${JSON.stringify(m)}`));
      await new Promise((r) => setTimeout(r, 50)); // a subscription reaches the server
      bus.publish('umca.events.r1', { seq: 1 });
      bus.publish('umca.events.r2', { seq: 2 });
      await eventually(() => seen.length === 3);
      offExact();
      offExact();
      bus.publish('umca.events.r1', { seq: 3 });
      await eventually(() => seen.length === 4);
      offAll();
      bus.publish('umca.events.r1', { seq: 4 });
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(seen.sort(), ['all:umca.events.r1:{"seq":1}', 'all:umca.events.r1:{"seq":3}', 'all:umca.events.r2:{"seq":2}', 'exact:{"seq":1}'].sort());
    });

    it('reports a throwing subscriber and still delivers to the others', async () => {
      const seen: unknown[] = [];
      bus.subscribe('umca.test.s', () => {
        throw new Error('bad listener');
      });
      bus.subscribe('umca.test.s', (m) => seen.push(m));
      await new Promise((r) => setTimeout(r, 50));
      bus.publish('umca.test.s', 1);
      await eventually(() => seen.length === 1 && errors.length > 0);
      assert.equal((errors.at(-1) as Error).message, 'bad listener');
    });

    it('hands each queued run to one worker, at most `concurrency` at a time, and counts what waits', async () => {
      const ids = Array.from({ length: 8 }, (_, i) => `run-${backend.name}-q${i}`);
      for (const id of ids) await bus.enqueue(id, { key: id });
      await bus.enqueue(ids[0]!, { key: ids[0]! }); // the same key again: queued once
      assert.equal(await bus.queueDepth(), 8);
      const other = await opened.sibling();
      const got: string[] = [];
      let active = 0;
      let peak = 0;
      const work = async (item: WorkItem) => {
        active += 1;
        peak = Math.max(peak, active);
        got.push(item.runId);
        await new Promise((r) => setTimeout(r, 30));
        active -= 1;
        item.ack();
      };
      const a = bus.consume(work, { concurrency: 2 });
      const b = other === bus ? undefined : other.consume(work, { concurrency: 2 });
      await eventually(() => got.length === 8);
      await new Promise((r) => setTimeout(r, 200));
      await a.stop();
      await b?.stop();
      assert.deepEqual([...got].sort(), [...ids].sort(), 'each run once');
      assert.ok(peak <= (b ? 4 : 2), `peak ${peak}`);
    });

    it('delivers a run again after a nak, a throw or a handler that forgot it, counting deliveries; never after a term', async () => {
      const deliveries: Array<[string, number]> = [];
      const consumer = bus.consume(
        async (item) => {
          deliveries.push([item.runId, item.deliveries]);
          if (item.runId.endsWith('nak') && item.deliveries === 1) return item.nak(10);
          if (item.runId.endsWith('throw') && item.deliveries === 1) throw new Error('worker broke');
          if (item.runId.endsWith('forget') && item.deliveries === 1) return;
          if (item.runId.endsWith('term')) return item.term();
          item.ack();
        },
        { concurrency: 4 },
      );
      for (const kind of ['nak', 'throw', 'forget', 'term']) await bus.enqueue(`run-${backend.name}-${kind}`);
      await eventually(() => deliveries.length === 7);
      await new Promise((r) => setTimeout(r, 300));
      await consumer.stop();
      const byRun = (suffix: string) => deliveries.filter(([id]) => id.endsWith(suffix)).map(([, n]) => n);
      assert.deepEqual([byRun('nak'), byRun('throw'), byRun('forget'), byRun('term')], [[1, 2], [1, 2], [1, 2], [1]]);
      assert.equal(await bus.queueDepth(), 0);
    });
  });
}
