import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, scratch, startCli } from '../support/cli.js';

// The embedded store's first start is atomic: a process killed during it leaves a state dir
// the next command starts from, and a state dir that is not a database is named with what to do.
describe('security: the embedded state dir survives a kill during its first start', () => {
  it('kills at several moments of the first start; every next command works', async () => {
    for (const delayMs of [300, 700, 1_100, 1_600]) {
      const where = scratch();
      const child = startCli(['runs'], where);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
      const next = await runCli(['runs', '--json'], where);
      assert.equal(next.code, 0, `after a kill at ${delayMs} ms: ${next.stderr}`);
    }
  });

  it('names a state dir that is a file or holds no database, and says what to do', async () => {
    const asFile = scratch();
    mkdirSync(asFile.env.UMCA_HOME!, { recursive: true });
    writeFileSync(join(asFile.env.UMCA_HOME!, 'pglite'), 'not a database');
    const file = await runCli(['runs'], asFile);
    assert.notEqual(file.code, 0);
    assert.match(file.stderr, /pglite: expected the embedded database's directory, found a file; move it aside/);
    const garbage = scratch();
    mkdirSync(join(garbage.env.UMCA_HOME!, 'pglite'), { recursive: true });
    writeFileSync(join(garbage.env.UMCA_HOME!, 'pglite', 'PG_VERSION'), 'garbage');
    const broken = await runCli(['runs'], garbage);
    assert.notEqual(broken.code, 0);
    assert.match(broken.stderr, /pglite: not a usable embedded database .*move it aside/);
    assert.equal(broken.stderr.trim().split('\n').length, 1, broken.stderr);
  });
});
