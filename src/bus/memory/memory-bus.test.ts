import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBus } from './memory-bus.js';

describe('MemoryBus', () => {
  it('delivers to exact and prefix subscribers; unsubscribe is idempotent', () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    const offExact = bus.subscribe('umca.events.r1', (m) => seen.push(`exact:${String(m)}`));
    const offAll = bus.subscribe('umca.events.>', (m, s) => seen.push(`all:${s}:${String(m)}`));
    bus.publish('umca.events.r1', 'a');
    bus.publish('umca.events.r2', 'b');
    offExact();
    offExact();
    bus.publish('umca.events.r1', 'c');
    offAll();
    bus.publish('umca.events.r1', 'd');
    assert.deepEqual(seen, ['exact:a', 'all:umca.events.r1:a', 'all:umca.events.r2:b', 'all:umca.events.r1:c']);
  });

  it('reports a throwing subscriber and still delivers to the others', () => {
    const errors: unknown[] = [];
    const bus = new MemoryBus({ onError: (e) => errors.push(e) });
    const seen: unknown[] = [];
    bus.subscribe('s', () => {
      throw new Error('bad listener');
    });
    bus.subscribe('s', (m) => seen.push(m));
    bus.publish('s', 1);
    assert.deepEqual(seen, [1]);
    assert.equal((errors[0] as Error).message, 'bad listener');
  });
});
