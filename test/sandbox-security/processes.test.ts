import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { attempt, createLanes } from './support/attempts.js';

// Starting processes: impossible from the WASM lanes, capped in the process lane.
const lanes = createLanes();
after(() => Promise.all(lanes.all.map((lane) => lane.close())));

/**
 * What a bomb spawns (`comms`: bash, python3, sleep), still alive under a sandbox uid. Other
 * test files run sandboxes at the same time (Pyodide pools, bash test jobs), so only the
 * kind of process this very bomb makes counts.
 */
function sandboxProcesses(comms: readonly string[]): string[] {
  const rows = execFileSync('ps', ['-eo', 'uid=,pid=,comm='], { encoding: 'utf8' }).trim().split('\n');
  return rows.filter((row) => {
    const [uid, , comm] = row.trim().split(/\s+/);
    return Number(uid) >= 61_000 && Number(uid) < 62_000 && comms.includes(comm ?? '');
  });
}

async function settled(comms: readonly string[]): Promise<string[]> {
  for (let i = 0; i < 30 && sandboxProcesses(comms).length > 0; i += 1) await new Promise((r) => setTimeout(r, 100));
  return sandboxProcesses(comms);
}

describe('sandbox security: processes', () => {
  it('wasm-js cannot reach child_process or any module that spawns', async () => {
    for (const source of ["import { execSync } from 'node:child_process';\nexecSync('id');", "const cp = await import('child_process');\ncp.execSync('id');", "require('child_process').execSync('id');"]) {
      const result = await attempt(lanes.wasmJs, 'js', source, ['nonzero_exit']);
      assert.match(result.message, /cannot find module|require' is not defined|not defined/);
    }
  });

  it('wasm-python cannot start a process: not through subprocess/os, not through the JS realm either', async () => {
    const result = await attempt(
      lanes.wasmPython,
      'py',
      [
        'import os, subprocess',
        'for name, call in [("subprocess", lambda: subprocess.run(["id"])), ("os.fork", lambda: os.fork()), ("os.posix_spawn", lambda: os.posix_spawn("/bin/id", ["id"], {}))]:',
        '    try:',
        '        outcome = call()',
        '        print(name, "returned", outcome)',
        '    except Exception as e:',
        '        print(name, "refused:", type(e).__name__)',
        'from pyodide.ffi import to_js',
        'Function = to_js({}).constructor.constructor',
        'try:',
        '    print("spawned", Function("return String(process.getBuiltinModule(\'child_process\').execSync(\'id\'))")())',
        'except Exception as e:',
        '    print("js spawn refused:", e)',
      ].join('\n'),
      ['ok'],
    );
    assert.match(result.stdout, /subprocess refused: OSError/);
    assert.match(result.stdout, /os\.fork refused/);
    assert.doesNotMatch(result.stdout, /uid=|spawned/);
    assert.match(result.stdout, /js spawn refused: .*restricted/);
    // Pyodide turns os.system into a host spawnSync; the permission model refuses it and Pyodide aborts.
    const system = await attempt(lanes.wasmPython, 'py', 'import os\nprint("status", os.system("id"))', ['crashed']);
    assert.match(system.message, /fatal error: Error: Access to this API has been restricted/);
    assert.doesNotMatch(system.stdout, /uid=/);
  });

  const STOPPED = ['crashed', 'timeout', 'output_limit', 'nonzero_exit', 'oom'] as const;
  for (const [label, kind, source, comms, outcomes] of [
    // The classic bomb may also end at once, its first forks refused quietly: contained either way.
    ['a bash fork bomb', 'sh', ':(){ :|:& };:\nwait', ['bash', 'main.sh'], [...STOPPED, 'ok']],
    ['a bash spawn loop', 'sh', 'while true; do sleep 30 & done', ['bash', 'main.sh', 'sleep'], STOPPED],
    ['a python fork loop', 'py', 'import os\nwhile True:\n    os.fork()', ['python3'], STOPPED],
    ['a node spawn loop', 'js', "const { spawn } = require('node:child_process');\nfor (;;) spawn('sleep', ['30']);", ['sleep'], STOPPED],
  ] as const) {
    it(`contains ${label} in the process lane (both runtimes) and leaves nothing running`, async () => {
      for (const lane of lanes.processLanes) {
        const result = await attempt(lane, kind, source, [...outcomes]);
        // At the process cap a runtime fails in its own way (bash and Python say EAGAIN; node may
        // abort, segfault or run out of memory): whichever, it is classified with its reason.
        if (result.status === 'crashed') assert.match(result.message, /process limit|killed by SIG|fatal error/);
        assert.deepEqual(await settled(comms), [], 'no sandbox process outlives its job');
        const next = await attempt(lane, 'sh', 'echo still fine', ['ok']);
        assert.equal(next.stdout, 'still fine\n');
      }
    });
  }

  it('lets a guest fork normally below the cap (the cap is per sandbox, not a ban)', async () => {
    for (const lane of lanes.processLanes) {
      const result = await attempt(lane, 'sh', 'for i in 1 2 3 4 5; do sleep 0.1 & done; wait; echo done', ['ok']);
      assert.equal(result.stdout, 'done\n');
    }
  });
});

describe('sandbox security: a sandbox does not outlive umca', () => {
  /** Every process below `root`, by pid (a gVisor guest lives inside its Sentry, which is one of them). */
  const descendants = (root: number): number[] => {
    const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n').map((row) => row.trim().split(/\s+/).map(Number) as [number, number]);
    const found: number[] = [];
    const walk = (pid: number) => rows.filter(([, ppid]) => ppid === pid).forEach(([child]) => (found.push(child), walk(child)));
    walk(root);
    return found;
  };
  /** Those still running (a zombie waiting for init to reap it is not). */
  const running = (pids: number[]) => {
    const states = new Map(execFileSync('ps', ['-eo', 'pid=,stat='], { encoding: 'utf8' }).trim().split('\n').map((row) => row.trim().split(/\s+/)).map(([pid, stat]) => [Number(pid), stat ?? '']));
    return pids.filter((pid) => states.has(pid) && !states.get(pid)!.startsWith('Z'));
  };

  for (const runtime of ['bwrap', 'gvisor'] as const) {
    it(`${runtime}: when the umca process is SIGKILLed mid-job, the sandbox and its guest die too`, async () => {
      const script = [
        "import { ProcessLane } from './src/sandbox/process/process-lane.ts';",
        `const lane = new ProcessLane({ runtime: '${runtime}' });`,
        "void lane.run({ files: { 'main.sh': 'echo started; sleep 120' }, entry: 'main.sh', limits: { timeoutMs: 120000, memoryBytes: 64 << 20, outputBytes: 4096 } });",
      ].join('\n');
      const host = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
      let sandbox: number[] = [];
      for (let i = 0; i < 100 && sandbox.length < 3; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        sandbox = descendants(host.pid!);
      }
      assert.ok(sandbox.length >= 3, `the sandbox started (${sandbox.length} processes)`);
      await new Promise((r) => setTimeout(r, 500));
      sandbox = descendants(host.pid!);
      host.kill('SIGKILL');
      for (let i = 0; i < 50 && running(sandbox).length > 0; i += 1) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(running(sandbox), [], 'nothing of the sandbox is left');
    });
  }
});
