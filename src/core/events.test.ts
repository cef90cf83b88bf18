import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EVENTS_SCHEMA_FILE, eventsJsonSchema } from './events-json-schema.js';
import { EVENT_TYPES, runEventSchema } from './events.js';

describe('umca-events schema', () => {
  it('is exported to schemas/ and the file is not stale (run `npm run schemas` after a change)', () => {
    const onDisk = JSON.parse(readFileSync(new URL(`../../${EVENTS_SCHEMA_FILE}`, import.meta.url), 'utf8')) as unknown;
    assert.deepEqual(onDisk, JSON.parse(JSON.stringify(eventsJsonSchema())));
  });

  it('has every event type the product promises', () => {
    for (const type of [
      'run.created', 'run.started', 'step.started', 'step.completed', 'step.failed', 'model.request', 'model.response',
      'gate.decision', 'sandbox.started', 'sandbox.finished', 'artifact.created', 'run.completed', 'run.failed',
      'run.blocked', 'run.cancelled', 'run.resumed',
    ]) assert.ok(EVENT_TYPES.includes(type as never), type);
  });

  it('v2 only adds to v1: every v1 event type stays, and a v1 sandbox.finished still validates', () => {
    const v1 = JSON.parse(readFileSync(new URL('../../schemas/umca-events.v1.json', import.meta.url), 'utf8')) as { oneOf?: Array<{ properties: { type: { const: string } } }> };
    const v1Types = (v1.oneOf ?? []).map((variant) => variant.properties.type.const);
    assert.ok(v1Types.length > 10, 'read the v1 types');
    for (const type of v1Types) assert.ok(EVENT_TYPES.includes(type as never), type);
    const envelope = { id: 'e1', run_id: 'r1', seq: 1, ts: '2026-01-01T00:00:00.000Z', actor: 'agent:tester', prev_hash: '0'.repeat(64), hash: 'f'.repeat(64), trace_id: 'a'.repeat(32) };
    const v1Finished = { step: 'test#1', lane: 'wasm-js', status: 'error', message: 'SyntaxError', duration_ms: 3, tests: [], output: '', output_truncated: false };
    assert.equal(runEventSchema.safeParse({ ...envelope, type: 'sandbox.finished', data: v1Finished }).success, true);
  });

  it('rejects an envelope with a bad hash or an unknown type', () => {
    const base = { id: 'e1', run_id: 'r1', seq: 1, ts: '2026-01-01T00:00:00.000Z', actor: 'engine', prev_hash: '0'.repeat(64), hash: 'f'.repeat(64), trace_id: 'a'.repeat(32) };
    assert.equal(runEventSchema.safeParse({ ...base, type: 'run.started', data: { worker: 'w' } }).success, true);
    assert.equal(runEventSchema.safeParse({ ...base, type: 'run.started', hash: 'xyz', data: { worker: 'w' } }).success, false);
    assert.equal(runEventSchema.safeParse({ ...base, type: 'run.exploded', data: {} }).success, false);
  });
});
