import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isRoot, takeGuestIdentity } from './guest-identity.js';

const TSX = import.meta.resolve('tsx');
const MODULE = new URL('./guest-identity.ts', import.meta.url).href;

describe('sandbox uids', () => {
  it('are distinct across umca processes on one host, and freed on release', () => {
    if (!isRoot()) {
      assert.equal(takeGuestIdentity().uid, undefined, 'only root drops to sandbox uids');
      return;
    }
    const mine = takeGuestIdentity();
    try {
      assert.ok(mine.uid !== undefined);
      const lockFile = join(tmpdir(), 'umca-sandbox-uids', String(mine.uid));
      assert.equal(readFileSync(lockFile, 'utf8'), String(process.pid));
      // Another process takes one while ours is held, and keeps it until it exits.
      const theirs = Number(
        execFileSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', `const { takeGuestIdentity } = await import(${JSON.stringify(MODULE)}); console.log(takeGuestIdentity().uid);`], { encoding: 'utf8' }).trim(),
      );
      assert.notEqual(theirs, mine.uid);
      // That process is gone and never released its uid: the lock stays, stale, until taken over.
      assert.ok(existsSync(join(tmpdir(), 'umca-sandbox-uids', String(theirs))));
      mine.release();
      assert.ok(!existsSync(lockFile), 'released uids leave no lock behind');
    } finally {
      mine.release();
    }
  });
});
