import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadline, emitterDeadline, rejectOnAbort } from './deadline.js';

describe('deadline', () => {
  it('aborts with its own reason when the time runs out', async () => {
    const d = deadline(20, undefined, () => new Error('too slow'));
    await assert.rejects(rejectOnAbort(d.signal), /too slow/);
    assert.equal(d.expired, true);
  });

  it("follows the caller's abort, and stops its timer when done", async () => {
    const caller = new AbortController();
    const d = deadline(10_000, caller.signal, () => new Error('timeout'));
    caller.abort(new Error('caller gave up'));
    await assert.rejects(rejectOnAbort(d.signal), /caller gave up/);
    assert.equal(d.expired, false);
    const quiet = deadline(20, undefined, () => new Error('timeout'));
    quiet.done();
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(quiet.signal.aborted, false);
  });
});

describe('emitterDeadline', () => {
  it('emits abort when the time runs out or the caller aborts, and not after done()', async () => {
    const timed = emitterDeadline(20, undefined);
    await new Promise((resolve) => timed.signal.once('abort', resolve));
    assert.equal(timed.expired, true);

    const caller = new AbortController();
    const followed = emitterDeadline(10_000, caller.signal);
    const aborted = new Promise((resolve) => followed.signal.once('abort', resolve));
    caller.abort();
    await aborted;
    assert.equal(followed.expired, false);
    followed.done();

    const quiet = emitterDeadline(20, undefined);
    let emitted = false;
    quiet.signal.once('abort', () => (emitted = true));
    quiet.done();
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(emitted, false);
  });
});
