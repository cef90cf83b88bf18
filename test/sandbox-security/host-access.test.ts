import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessLane } from '../../src/sandbox/process/process-lane.js';
import { after, describe, it } from 'node:test';
import { attempt, CANARY, createLanes, HOST_TMP_SECRET, UMCA_HOME } from './support/attempts.js';

// Reading the host's secrets and writing outside the work dir, in every lane.
const lanes = createLanes();
after(() => Promise.all(lanes.all.map((lane) => lane.close())));

describe('sandbox security: host files and environment', () => {
  it('wasm-js has no file system and no process object at all', async () => {
    const fs = await attempt(lanes.wasmJs, 'js', "import { readFileSync } from 'node:fs';\nconsole.log(readFileSync('/etc/shadow', 'utf8'));", ['nonzero_exit']);
    assert.match(fs.message, /cannot find module 'node:fs'/);
    const env = await attempt(lanes.wasmJs, 'js', "console.log(typeof process, typeof require, typeof globalThis.std, typeof globalThis.os);", ['ok']);
    assert.equal(env.stdout, 'undefined undefined undefined undefined\n');
  });

  for (const [label, path] of [
    ['/etc/shadow', '/etc/shadow'],
    ['~/.ssh', '/root/.ssh/id_ed25519'],
    ['UMCA_HOME', `${UMCA_HOME}/secret.txt`],
    ["a file in the host's /tmp", HOST_TMP_SECRET],
  ] as const) {
    it(`cannot read ${label} from wasm-python or from the process lane (python, bash, node)`, async () => {
      const python = `print(open(${JSON.stringify(path)}).read())`;
      const py = await attempt(lanes.wasmPython, 'py', python, ['nonzero_exit']);
      assert.match(py.message, /FileNotFoundError|PermissionError/);
      for (const lane of lanes.processLanes) {
        const proc = await attempt(lane, 'py', python, ['nonzero_exit']);
        assert.match(proc.message, /FileNotFoundError|PermissionError|NotADirectoryError/);
        await attempt(lane, 'sh', `cat ${path}`, ['nonzero_exit']);
        await attempt(lane, 'js', `console.log(require('node:fs').readFileSync(${JSON.stringify(path)}, 'utf8'));`, ['nonzero_exit']);
      }
    });
  }

  it("sees none of the host's environment: the guest's is a clean allow-list", async () => {
    assert.equal(process.env.UMCA_SECURITY_CANARY, CANARY, 'the canary is in the host environment');
    const py = await attempt(lanes.wasmPython, 'py', 'import os\nprint(sorted(os.environ.items()))', ['ok']);
    assert.doesNotMatch(py.stdout, /UMCA_HOME/);
    for (const lane of lanes.processLanes) {
      const proc = await attempt(lane, 'sh', 'env | sort', ['ok']);
      const names = proc.stdout.trim().split('\n').map((line) => line.split('=')[0]);
      assert.deepEqual(names.filter((n) => !['PATH', 'HOME', 'TMPDIR', 'LANG', 'PYTHONDONTWRITEBYTECODE', 'PYTHONUNBUFFERED', 'PWD', 'SHLVL', '_'].includes(n!)), [], lane.name);
      const node = await attempt(lane, 'js', 'console.log(JSON.stringify(process.env));', ['ok']);
      assert.doesNotMatch(node.stdout, /UMCA_HOME|UMCA_SECURITY_CANARY/);
    }
  });

  it('cannot write outside its work dir; its /tmp is private and dies with it', async () => {
    const marker = `umca-escape-${Date.now()}`;
    const targets = ['/etc', '/usr', '/', '/work/..', UMCA_HOME].map((dir) => `${dir}/${marker}`);
    const py = targets.map((t) => `try:\n    open(${JSON.stringify(t)}, 'w').write('x')\n    print('WROTE', ${JSON.stringify(t)})\nexcept OSError as e:\n    print('refused', e.errno)`).join('\n');
    for (const lane of [lanes.wasmPython, ...lanes.processLanes]) {
      const result = await attempt(lane, 'py', `${py}\nopen('/tmp/${marker}', 'w').write('private')\nopen('../${marker}', 'w').write('x')`, ['ok', 'nonzero_exit']);
      for (const target of targets) assert.ok(!existsSync(target), `${lane.name} wrote ${target}`);
      assert.ok(!existsSync(`/tmp/${marker}`), `${lane.name}'s /tmp is the host's`);
      assert.deepEqual(result.artifacts.map((a) => a.path), [], 'nothing outside the work dir comes back as an artifact');
    }
    for (const lane of lanes.processLanes) await attempt(lane, 'sh', `echo x > /etc/${marker} || echo x > /usr/${marker} || exit 7`, ['nonzero_exit']);
    assert.ok(!existsSync(`/etc/${marker}`) && !existsSync(`/usr/${marker}`));
  });

  it('hides UMCA_HOME even when it lies inside a system dir the sandbox mounts', async () => {
    const home = mkdtempSync('/usr/local/umca-home-');
    writeFileSync(join(home, 'secret.txt'), CANARY);
    chmodSync(home, 0o755);
    chmodSync(join(home, 'secret.txt'), 0o644);
    const lane = new ProcessLane({ hide: [home] });
    const gvisor = new ProcessLane({ hide: [home], runtime: 'gvisor' });
    try {
      for (const hiding of [lane, gvisor]) {
        const result = await attempt(hiding, 'py', `import os\nprint(os.listdir(${JSON.stringify(home)}))\nprint(open(${JSON.stringify(`${home}/secret.txt`)}).read())`, ['nonzero_exit']);
        assert.equal(result.stdout, '[]\n', `${hiding.name}: an empty directory stands in for it`);
      }
      // The control: without `hide`, the world-readable file is there to read.
      const bare = new ProcessLane();
      const control = await bare.run({ files: { 'main.sh': `cat ${home}/secret.txt` }, entry: 'main.sh', limits: { timeoutMs: 3_000, memoryBytes: 32 << 20, outputBytes: 1_024 } });
      await bare.close();
      assert.equal(control.stdout, CANARY);
    } finally {
      await Promise.all([lane.close(), gvisor.close()]);
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses job file paths that would land outside the work dir', async () => {
    for (const lane of lanes.all) {
      const result = await lane.run({ files: { '../escape.py': 'x', 'main.py': 'print(1)' }, entry: 'main.py', limits: { timeoutMs: 1_000, memoryBytes: 32 << 20, outputBytes: 1_024 } });
      assert.equal(result.status, 'nonzero_exit', lane.name);
      assert.match(result.message, /\.\.\/escape\.py|not python/, lane.name);
    }
  });
});
