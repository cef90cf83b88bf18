import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryCgroups } from './memory-cgroup.js';

/** A cgroup file system laid out as the kernel shows one (detection only reads and checks access). */
function layout(procSelf: string, files: Record<string, string>): { proc: string; root: string } {
  const base = mkdtempSync(join(tmpdir(), 'umca-cgroup-'));
  const root = join(base, 'sys-fs-cgroup');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  mkdirSync(root, { recursive: true });
  writeFileSync(join(base, 'cgroup'), procSelf);
  return { proc: join(base, 'cgroup'), root };
}

describe('memory cgroups: where job cgroups can be made', () => {
  it('finds cgroup v1 memory under umca own cgroup', () => {
    const { proc, root } = layout('4:memory:/svc/umca\n1:cpu:/\n0::/\n', { 'memory/svc/umca/memory.limit_in_bytes': '9223372036854771712' });
    const found = MemoryCgroups.detect(proc, root);
    assert.equal(found?.version, 1);
    assert.equal(found?.parent, join(root, 'memory/svc/umca'));
  });

  it('finds cgroup v2 only where the subtree has the memory controller', () => {
    const delegated = layout('0::/umca.service\n', { 'umca.service/cgroup.subtree_control': 'cpu memory pids' });
    assert.equal(MemoryCgroups.detect(delegated.proc, delegated.root)?.version, 2);
    const plain = layout('0::/umca.service\n', { 'umca.service/cgroup.subtree_control': 'cpu pids', 'cgroup.subtree_control': '' });
    assert.equal(MemoryCgroups.detect(plain.proc, plain.root), undefined, 'no memory controller to delegate: the RLIMIT_AS fallback');
  });

  it('finds none where /proc/self/cgroup cannot be read', () => {
    assert.equal(MemoryCgroups.detect('/nonexistent/cgroup', '/nonexistent'), undefined);
  });
});

describe('memory cgroups: leftovers', () => {
  it('sweeps the empty job cgroups a killed umca left behind, and only those', async () => {
    const { mkdirSync: mkdir, existsSync: exists } = await import('node:fs');
    const { spawnSync } = await import('node:child_process');
    const { proc, root } = layout('4:memory:/svc\n', { 'memory/svc/memory.limit_in_bytes': '1' });
    const parent = join(root, 'memory/svc');
    const gone = spawnSync('true').pid!; // a pid whose process has exited
    mkdir(join(parent, `umca-job-${gone}-0a1b`));
    mkdir(join(parent, `umca-job-${gone}-busy`));
    writeFileSync(join(parent, `umca-job-${gone}-busy`, 'cgroup.procs'), '123');
    mkdir(join(parent, `umca-job-${process.pid}-0c1d`));
    mkdir(join(parent, 'other-service'));
    const cgroups = MemoryCgroups.detect(proc, root)!;
    assert.equal(cgroups.sweep(), 1);
    assert.equal(exists(join(parent, `umca-job-${gone}-0a1b`)), false);
    assert.equal(exists(join(parent, `umca-job-${gone}-busy`)), true, 'a cgroup that is not empty stays (the kernel refuses rmdir)');
    assert.equal(exists(join(parent, `umca-job-${process.pid}-0c1d`)), true, "a live umca's cgroup, empty before its guest joins, stays");
    assert.equal(exists(join(parent, 'other-service')), true, "another service's cgroup is not touched");
  });
});
