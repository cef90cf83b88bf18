import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { GENESIS_HASH, type RunEvent } from './events.js';

export function sha256Hex(content: Uint8Array | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** hash = sha256(prev_hash ‖ canonical JSON of the event without `hash`). */
export function hashEvent(event: Omit<RunEvent, 'hash'> | RunEvent): string {
  const { hash: _ignored, ...rest } = event as RunEvent;
  return createHash('sha256').update(rest.prev_hash).update(canonicalJson(rest)).digest('hex');
}

export type ChainVerdict =
  | { ok: true; events: number; head: string }
  | { ok: false; events: number; broken_seq: number; reason: string };

/**
 * Re-computes a run's chain from its first event. Reports the first seq that breaks:
 * a gap in seq, a prev_hash that does not point at the previous event, or a hash that
 * does not match the event's content.
 */
export function verifyChain(events: readonly RunEvent[]): ChainVerdict {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const event of events) {
    const fail = (reason: string): ChainVerdict => ({ ok: false, events: events.length, broken_seq: expectedSeq, reason });
    if (event.seq !== expectedSeq) return fail(`expected seq ${expectedSeq}, found ${event.seq}`);
    if (event.prev_hash !== prev) return fail('prev_hash does not match the previous event');
    if (hashEvent(event) !== event.hash) return fail('hash does not match the event content');
    prev = event.hash;
    expectedSeq += 1;
  }
  return { ok: true, events: events.length, head: prev };
}
