import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ProcessLane } from '../../src/sandbox/process/process-lane.js';
import { attempt, createLanes, limits, UMCA_HOME } from './support/attempts.js';

// Memory past the heap, disk, system calls and /proc: what a process-lane guest holds on the
// host is bounded, under bubblewrap and under gVisor alike.
const lanes = createLanes();
const bare = new ProcessLane({ maxProcesses: 64, cgroups: false });
after(() => Promise.all([...lanes.all, bare].map((lane) => lane.close())));

const MiB = 1024 * 1024;
const roomy = { limits: { ...limits, timeoutMs: 20_000, diskBytes: 32 * MiB } };

describe('sandbox security: limits beyond the heap (process lane, both runtimes)', () => {
  for (const lane of lanes.processLanes) {
    it(`${lane.name}: /dev/shm, /tmp and /work are capped tmpfs, the root is read-only`, async () => {
      for (const dir of ['/dev/shm', '/tmp', '/work']) {
        const full = await attempt(lane, 'sh', `dd if=/dev/zero of=${dir}/fill bs=1M count=600; exit 1`, ['disk_limit'], roomy);
        assert.match(full.message, /No space left on device/, `${dir}: ${full.message}`);
      }
      await attempt(lane, 'sh', 'echo x > /planted || echo x > /umca-out/planted || exit 7', ['nonzero_exit']);
    });

    it(`${lane.name}: a 520 MiB shared anonymous mapping ends as oom; memfds are refused`, async () => {
      const mapping = "import mmap\nm = mmap.mmap(-1, 520 * 1024 * 1024)\nfor i in range(0, len(m), 4096):\n    m[i] = 1\nprint('held')";
      const held = await attempt(lane, 'py', mapping, ['oom'], roomy);
      assert.doesNotMatch(held.stdout, /held/);
      const memfds = "import os\nkeep = []\nfor n in range(12):\n    fd = os.memfd_create('m%d' % n)\n    os.write(fd, b'x' * (40 * 1024 * 1024))\n    keep.append(fd)\nprint('held')";
      const files = await attempt(lane, 'py', memfds, ['nonzero_exit'], roomy);
      assert.match(files.message, /PermissionError|Operation not permitted/);
      assert.doesNotMatch(files.stdout, /held/);
      await attempt(lane, 'py', "print('after')", ['ok']);
    });

    it(`${lane.name}: a job that writes 1 GiB ends with disk_limit, and its archive stays within the cap`, async () => {
      const writer = "f = open('big', 'wb')\nfor _ in range(1024):\n    f.write(b'x' * (1024 * 1024))\nf.close()\nprint('wrote 1 GiB')";
      const result = await attempt(lane, 'py', writer, ['disk_limit'], roomy);
      assert.match(result.message, /filled its writable space \(33554432 bytes\)/);
      assert.doesNotMatch(result.stdout, /wrote 1 GiB/);
      const many = await attempt(lane, 'py', "for i in range(20000):\n    with open('f%d' % i, 'wb') as f:\n        f.write(b'x' * 4096)", ['disk_limit'], roomy);
      assert.ok(many.artifacts.reduce((sum, a) => sum + a.size, 0) <= 32 * MiB);
    });

    it(`${lane.name}: io_uring, the key store, new user namespaces and mounts are refused`, async () => {
      const calls = [
        "import ctypes, os, subprocess",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "def call(name, nr, *args):",
        "    r = libc.syscall(nr, *args)",
        "    print(name, 'refused' if r == -1 and ctypes.get_errno() in (1, 38, 22, 28) else 'ALLOWED %d' % r)",
        "import struct",
        "params = ctypes.create_string_buffer(120)",
        "call('io_uring_setup', 425, 8, params)",
        "call('keyctl', 250, 0, 0)",
        "call('add_key', 248, b'user', b'k', b'v', 1, ctypes.c_int(-2))",
        "call('unshare-user', 272, 0x10000000)",
        "r = subprocess.run(['unshare', '-Ur', 'sh', '-c', 'mount -t tmpfs none /mnt && echo mounted'], capture_output=True, text=True)",
        "print('nested', 'refused' if 'mounted' not in r.stdout else 'ALLOWED')",
      ].join('\n');
      const result = await attempt(lane, 'py', calls, ['ok']);
      assert.doesNotMatch(result.stdout, /ALLOWED/, result.stdout);
      assert.equal(result.stdout.match(/refused/g)?.length, 5, result.stdout);
    });

    it(`${lane.name}: /proc shows no host home, no UMCA_HOME and no umca process`, async () => {
      const result = await attempt(lane, 'sh', 'cat /proc/self/mountinfo; ls /proc; cat /proc/1/cmdline', ['ok']);
      assert.ok(!result.stdout.includes(UMCA_HOME), 'UMCA_HOME is not named in /proc');
      assert.doesNotMatch(result.stdout, /\/root\b|\/home\/|tsx|node_modules/);
    });
  }

  it('wasm-python: /work is in Pyodide\'s own memory; 1 GiB of writes ends at the memory limit, nothing lands on the host', async () => {
    const writer = "f = open('big', 'wb')\nfor _ in range(1024):\n    f.write(b'x' * (1024 * 1024))\nf.close()\nprint('wrote 1 GiB')";
    const result = await attempt(lanes.wasmPython, 'py', writer, ['oom'], roomy);
    assert.match(result.message, /memory|MemoryError|Cannot allocate/);
    assert.doesNotMatch(result.stdout, /wrote 1 GiB/);
    const made = await attempt(lanes.wasmPython, 'py', "open('out.txt', 'w').write('made here')", ['ok']);
    assert.deepEqual(made.artifacts.map((a) => [a.path, a.content]), [['out.txt', 'made here']]);
  });

  it('without a memory cgroup, RLIMIT_AS bounds mappings: the 520 MiB shared mapping is refused as oom', async () => {
    assert.equal(bare.memoryBound, 'rlimit-as');
    const result = await attempt(bare, 'py', "import mmap\nm = mmap.mmap(-1, 520 * 1024 * 1024)\nm[0] = 1\nprint('held')", ['oom']);
    assert.match(result.message, /Cannot allocate memory|MemoryError/);
    await attempt(bare, 'js', "console.log('node still starts')", ['ok']);
  });
});
