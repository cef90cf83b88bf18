// npm run bench:sandbox — start-up and execution time of each sandbox lane, as ratios against
// spawning plain `node -e` / `python3 -c` in the same run (absolute times on a shared machine
// are noise; ratios measured side by side are not).
//   cold start: a fresh lane's first job ready to run (wasm-js: worker + QuickJS module;
//               wasm-python: a sandboxed child with Pyodide loaded; process: helper files).
//   execution:  one job on a warm lane, end to end through SandboxLane.run(): a trivial
//               program and a CPU-bound one (the same work in every language).
// Must: wasm-js trivial execution <= 0.1x `node -e` spawn; wasm-python warm execution <= 0.5x `python3 -c` spawn.
// BENCH_RUNS (default 15) sets the samples per figure; wasm-python takes fewer (each needs a fresh child).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { SandboxJob, SandboxLane, SandboxLimits } from '../src/sandbox/sandbox-lane.js';

// The built lanes (npm run build), as `umca` runs them: from source, the wasm-js worker would
// load tsx first and its cold start would measure that.
const { ProcessLane } = (await import('../dist/sandbox/process/process-lane.js' as string)) as typeof import('../src/sandbox/process/process-lane.js');
const { WasmJsLane } = (await import('../dist/sandbox/wasm-js/wasm-js-lane.js' as string)) as typeof import('../src/sandbox/wasm-js/wasm-js-lane.js');
const { WasmPythonLane } = (await import('../dist/sandbox/wasm-python/wasm-python-lane.js' as string)) as typeof import('../src/sandbox/wasm-python/wasm-python-lane.js');

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const PYTHON_RUNS = Math.max(3, Math.ceil(RUNS / 2));
const limits: SandboxLimits = { timeoutMs: 30_000, memoryBytes: 128 * 1024 * 1024, outputBytes: 1 << 20 };

const JS_TRIVIAL = "console.log('hi');";
const JS_CPU = 'let s = 0; for (let i = 0; i < 2000000; i++) s += i % 7; console.log(s);';
const PY_TRIVIAL = "print('hi')";
const PY_CPU = 's = 0\nfor i in range(2000000):\n    s += i % 7\nprint(s)';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const progress = (text: string) => process.stderr.write(`  ${text}\n`);

function spawnMs(command: string, args: string[], runs: number): number {
  const samples: number[] = [];
  for (let i = 0; i < runs + 1; i += 1) {
    const started = performance.now();
    const result = spawnSync(command, args, { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${command} failed`);
    if (i > 0) samples.push(performance.now() - started);
  }
  return median(samples);
}

async function executionMs(lane: SandboxLane, job: SandboxJob, runs: number, beforeEach?: () => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs + 1; i += 1) {
    await beforeEach?.();
    const started = performance.now();
    const result = await lane.run(job);
    const ms = performance.now() - started;
    if (result.status !== 'ok') throw new Error(`${lane.name}: ${result.status} ${result.message}\n${result.stderr}`);
    if (i > 0) samples.push(ms); // the first run warms JITs and caches
  }
  return median(samples);
}

async function coldStartMs(make: () => SandboxLane, job: SandboxJob, runs: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const lane = make();
    const started = performance.now();
    await lane.warm(limits);
    const result = await lane.run(job);
    samples.push(performance.now() - started);
    if (result.status !== 'ok') throw new Error(`${lane.name} cold: ${result.status} ${result.message}`);
    await lane.close();
  }
  return median(samples);
}

const program = (entry: string, source: string): SandboxJob => ({ files: { [entry]: source }, entry, limits });

async function main(): Promise<void> {
  const check = ProcessLane.check();
  if (!check.ok) throw new Error(check.problem);
  // The same interpreters the process lane runs (its PATH is /usr/local/bin:/usr/bin:/bin),
  // not a version manager's shim.
  const node = process.execPath;
  const python = ['/usr/local/bin/python3', '/usr/bin/python3'].find((p) => existsSync(p)) ?? 'python3';
  progress(`baselines: spawning ${node} -e and ${python} -c`);
  const base = {
    nodeTrivial: spawnMs(node, ['-e', JS_TRIVIAL], RUNS),
    nodeCpu: spawnMs(node, ['-e', JS_CPU], RUNS),
    pythonTrivial: spawnMs(python, ['-c', PY_TRIVIAL], RUNS),
    pythonCpu: spawnMs(python, ['-c', PY_CPU], RUNS),
  };

  const rows: Array<{ lane: string; what: string; ms: number; baseline: string; baselineMs: number }> = [];
  const add = (lane: string, what: string, ms: number, baseline: string, baselineMs: number) => {
    rows.push({ lane, what, ms, baseline, baselineMs });
    progress(`${lane}: ${what} ${ms.toFixed(1)} ms`);
  };

  progress('wasm-js');
  add('wasm-js', 'cold start + trivial', await coldStartMs(() => new WasmJsLane({ maxWorkers: 1 }), program('main.js', JS_TRIVIAL), 5), 'node -e', base.nodeTrivial);
  const wasmJs = new WasmJsLane({ maxWorkers: 1 });
  await wasmJs.warm(limits);
  add('wasm-js', 'trivial execution', await executionMs(wasmJs, program('main.js', JS_TRIVIAL), RUNS), 'node -e', base.nodeTrivial);
  add('wasm-js', 'CPU-bound execution', await executionMs(wasmJs, program('main.js', JS_CPU), RUNS), 'node -e', base.nodeCpu);
  await wasmJs.close();

  progress('wasm-python (each job gets a fresh Pyodide child; the pool refills between runs, untimed)');
  add('wasm-python', 'cold start + trivial', await coldStartMs(() => new WasmPythonLane({ poolSize: 1 }), program('main.py', PY_TRIVIAL), 3), 'python3 -c', base.pythonTrivial);
  const wasmPython = new WasmPythonLane({ poolSize: 1 });
  // Warm = loaded and settled: in a run the pool fills while the planner and coder work, so a
  // child waits seconds before its job; half a second lets V8 finish tiering up Pyodide first.
  const refill = async () => {
    await wasmPython.warm(limits);
    await new Promise((resolve) => setTimeout(resolve, 500));
  };
  add('wasm-python', 'warm trivial execution', await executionMs(wasmPython, program('main.py', PY_TRIVIAL), PYTHON_RUNS, refill), 'python3 -c', base.pythonTrivial);
  add('wasm-python', 'warm CPU-bound execution', await executionMs(wasmPython, program('main.py', PY_CPU), PYTHON_RUNS, refill), 'python3 -c', base.pythonCpu);
  await wasmPython.close();

  progress('process (bubblewrap)');
  add('process', 'cold start + trivial (node)', await coldStartMs(() => new ProcessLane(), program('main.js', JS_TRIVIAL), 5), 'node -e', base.nodeTrivial);
  // The four jobs on a warm process lane, under each way it can run.
  const processJobs = async (name: string, lane: InstanceType<typeof ProcessLane>) => {
    await lane.warm();
    add(name, 'trivial execution (node)', await executionMs(lane, program('main.js', JS_TRIVIAL), RUNS), 'node -e', base.nodeTrivial);
    add(name, 'CPU-bound execution (node)', await executionMs(lane, program('main.js', JS_CPU), RUNS), 'node -e', base.nodeCpu);
    add(name, 'trivial execution (python3)', await executionMs(lane, program('main.py', PY_TRIVIAL), RUNS), 'python3 -c', base.pythonTrivial);
    add(name, 'CPU-bound execution (python3)', await executionMs(lane, program('main.py', PY_CPU), RUNS), 'python3 -c', base.pythonCpu);
    await lane.close();
  };
  // BENCH_BEFORE=<a checkout's dist/> measures that build's process lane in the same run (side by side).
  if (process.env.BENCH_BEFORE) {
    progress(`process (bubblewrap) as built in ${process.env.BENCH_BEFORE}`);
    const { ProcessLane: Before } = (await import(`${process.env.BENCH_BEFORE}/sandbox/process/process-lane.js`)) as typeof import('../src/sandbox/process/process-lane.js');
    await processJobs('process (before)', new Before());
  }
  const processLane = new ProcessLane();
  await processJobs(`process (${processLane.memoryBound})`, processLane);
  if (processLane.memoryBound !== 'rlimit-as') {
    progress('process (bubblewrap, sandbox.memory_cgroup: false)');
    await processJobs('process (rlimit-as)', new ProcessLane({ cgroups: false }));
  }
  if (process.env.BENCH_GVISOR !== '0' && ProcessLane.check('gvisor').ok) {
    progress('gvisor (the process lane under runsc)');
    await processJobs('gvisor', new ProcessLane({ runtime: 'gvisor' }));
  }

  console.log(`\nbaselines (median of ${RUNS} spawns): node -e trivial ${base.nodeTrivial.toFixed(1)} ms, CPU-bound ${base.nodeCpu.toFixed(1)} ms; python3 -c trivial ${base.pythonTrivial.toFixed(1)} ms, CPU-bound ${base.pythonCpu.toFixed(1)} ms\n`);
  console.log('| lane | what | median ms | ratio | against |');
  console.log('|---|---|---:|---:|---|');
  for (const row of rows) console.log(`| ${row.lane} | ${row.what} | ${row.ms.toFixed(1)} | ${(row.ms / row.baselineMs).toFixed(3)}x | ${row.baseline} (${row.baselineMs.toFixed(1)} ms) |`);
  const jsTrivial = rows.find((r) => r.lane === 'wasm-js' && r.what === 'trivial execution')!;
  const pyWarm = rows.find((r) => r.lane === 'wasm-python' && r.what === 'warm trivial execution')!;
  const jsRatio = jsTrivial.ms / jsTrivial.baselineMs;
  const pyRatio = pyWarm.ms / pyWarm.baselineMs;
  console.log(`\nwasm-js trivial execution / node -e spawn = ${jsRatio.toFixed(3)} (must <= 0.1): ${jsRatio <= 0.1 ? 'met' : 'NOT met'}`);
  console.log(`wasm-python warm execution / python3 -c spawn = ${pyRatio.toFixed(3)} (must <= 0.5): ${pyRatio <= 0.5 ? 'met' : 'NOT met'}`);
}

await main();
