import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadline, rejectOnAbort } from './deadline.js';

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
