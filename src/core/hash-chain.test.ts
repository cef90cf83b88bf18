import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GENESIS_HASH, type RunEvent } from './events.js';
import { hashEvent, verifyChain } from './hash-chain.js';

function chainOf(n: number): RunEvent[] {
  const events: RunEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const unsigned = { id: `e${seq}`, run_id: 'r', seq, ts: '2026-11-22T00:00:00.000Z', type: 'step.completed', actor: 'engine', data: { step: `s${seq}`, duration_ms: seq }, prev_hash: prev, trace_id: 'a'.repeat(32) } as const;
    const event = { ...unsigned, hash: hashEvent(unsigned as unknown as RunEvent) } as RunEvent;
    events.push(event);
    prev = event.hash;
  }
  return events;
}

describe('hash chain', () => {
  it('verifies an intact chain and reports its head', () => {
    const events = chainOf(4);
    assert.deepEqual(verifyChain(events), { ok: true, events: 4, head: events[3]!.hash });
    assert.deepEqual(verifyChain([]), { ok: true, events: 0, head: GENESIS_HASH });
  });

  it('hashes key order independently (canonical JSON)', () => {
    const [event] = chainOf(1);
    const reordered = Object.fromEntries(Object.entries(event!).reverse()) as RunEvent;
    assert.equal(hashEvent(reordered), event!.hash);
  });

  it('names the first broken seq for edited content, a removed event and a re-linked chain', () => {
    const edited = chainOf(5);
    (edited[2]!.data as { step: string }).step = 'forged';
    assert.deepEqual(verifyChain(edited), { ok: false, events: 5, broken_seq: 3, reason: 'hash does not match the event content' });

    const gap = chainOf(5);
    gap.splice(1, 1);
    assert.equal((verifyChain(gap) as { broken_seq: number }).broken_seq, 2);

    // Re-hashing a forged event is not enough: the next event still points at the old hash.
    const relinked = chainOf(5);
    (relinked[1]!.data as { step: string }).step = 'forged';
    relinked[1]!.hash = hashEvent(relinked[1]!);
    assert.deepEqual(verifyChain(relinked), { ok: false, events: 5, broken_seq: 3, reason: 'prev_hash does not match the previous event' });
  });
});
