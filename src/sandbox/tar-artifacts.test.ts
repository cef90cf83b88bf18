import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { artifactsFromTar } from './tar-artifacts.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A tar archive as the sandbox's supervisor writes one (GNU tar of a work dir), plus hostile entries. */
function archive(build: (dir: string) => void, extra: string[] = []): string {
  const root = mkdtempSync(join(tmpdir(), 'umca-tar-'));
  const work = join(root, 'work');
  mkdirSync(work);
  build(work);
  const file = join(root, 'work.tar');
  execFileSync('tar', ['--create', `--file=${file}`, '--directory', work, '.', ...extra]);
  return file;
}

describe('artifacts from a sandbox archive', () => {
  it('returns the files the guest made or changed, with content when small, and not the unchanged inputs', async () => {
    const file = archive((dir) => {
      writeFileSync(join(dir, 'input.py'), 'same');
      writeFileSync(join(dir, 'changed.py'), 'new');
      mkdirSync(join(dir, 'out'));
      writeFileSync(join(dir, 'out', 'report.txt'), 'made');
    });
    const inputs = new Map([['input.py', sha('same')], ['changed.py', sha('old')]]);
    const found = await artifactsFromTar(file, inputs, 1 << 20);
    assert.deepEqual(found.map((a) => [a.path, a.size, a.content]), [['changed.py', 3, 'new'], ['out/report.txt', 4, 'made']]);
    assert.equal(found[0]?.sha256, sha('new'));
  });

  it('skips links and absolute or escaping names; a truncated archive keeps what came before the cut', async () => {
    const file = archive((dir) => {
      writeFileSync(join(dir, 'a.txt'), 'a'.repeat(4096));
      symlinkSync('/etc/passwd', join(dir, 'link'));
      writeFileSync(join(dir, 'z.txt'), 'z'.repeat(4096));
    }, ['--absolute-names', '/etc/hostname']);
    const found = await artifactsFromTar(file, new Map(), 1 << 20);
    assert.deepEqual(found.map((a) => a.path), ['a.txt', 'z.txt']);
    const bounded = await artifactsFromTar(file, new Map(), 1024);
    assert.deepEqual(bounded, [], 'nothing past the byte bound is read, and a cut entry is no artifact');
    truncateSync(file, 512 + (512 + 4096) + 512 + 512 + 100); // inside the second file's data
    const cut = await artifactsFromTar(file, new Map(), 1 << 20);
    assert.equal(cut.length, 1, 'the entry before the cut survives, the one cut short does not');
    assert.equal(cut[0]?.size, 4096);
  });

  it('answers no artifacts for a missing file, an empty one or garbage', async () => {
    const root = mkdtempSync(join(tmpdir(), 'umca-tar-'));
    writeFileSync(join(root, 'empty.tar'), '');
    writeFileSync(join(root, 'junk.tar'), 'not a tar archive at all'.repeat(100));
    for (const name of ['missing.tar', 'empty.tar', 'junk.tar']) assert.deepEqual(await artifactsFromTar(join(root, name), new Map(), 1 << 20), []);
  });
});
