import { parentPort, workerData } from 'node:worker_threads';
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSContext, type QuickJSHandle, type QuickJSSyncVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import releaseSyncModule from '@jitl/quickjs-wasmfile-release-sync';
import type { SandboxStatus, TestOutcome } from '../sandbox-lane.js';
import { MAX_TEST_ERROR_CHARS, MAX_TEST_NAME_CHARS, cut } from '../bound-result.js';
import { ASSERT_SHIM_SOURCE, HARNESS_ALIASES, HARNESS_MODULE, HARNESS_SOURCE } from './guest-harness.js';
import type { RunRequest, RunResponse, WorkerData } from './wasm-js-protocol.js';

// The package's types describe its CommonJS build; under ESM the default export is the variant itself.
const releaseSync = releaseSyncModule as unknown as QuickJSSyncVariant;
const PAGE = 65_536;
const { wasmMemoryBytes } = workerData as WorkerData;

// One QuickJS module per worker, on a WebAssembly.Memory with a hard maximum: QuickJS's own
// limit is soft (strings and typed arrays get past it), the Memory's maximum is not.
const memory = new WebAssembly.Memory({ initial: 256, maximum: Math.max(256, Math.ceil(wasmMemoryBytes / PAGE)) });
const quickjs: QuickJSWASMModule = await newQuickJSWASMModuleFromVariant(newVariant(releaseSync, { wasmMemory: memory }));

parentPort!.on('message', (request: RunRequest) => {
  let response: RunResponse;
  try {
    response = execute(request);
  } catch (error) {
    // The WebAssembly instance itself failed (e.g. memory.grow refused): it is unusable now.
    const message = (error as Error).message ?? String(error);
    response = { type: 'result', id: request.id, poisoned: true, result: { status: 'oom', message: `guest exhausted its memory (${message})`, tests: [], stdout: '', stderr: '', outputTruncated: false, exitCode: null } };
  }
  parentPort!.postMessage(response);
});
parentPort!.postMessage({ type: 'ready' });

function execute(request: RunRequest): RunResponse {
  const deadline = Date.now() + request.timeoutMs;
  const output = { stdout: '', stderr: '' };
  let outputBytes = 0;
  let outputExceeded = false;
  let timedOut = false;
  /** Test outcomes as the host saw them reported, timed by the host's monotonic clock. */
  const outcomes: Array<{ name: string; ok: boolean; error?: string; startedAt?: number; duration_ms: number; ended: boolean }> = [];
  let testsDone = false;
  /** Counts `bytes` of what the job returns toward the one output limit; false once it is passed. */
  const spend = (bytes: number): boolean => {
    if (outputBytes + bytes > request.outputBytes) {
      outputBytes = request.outputBytes;
      outputExceeded = true;
      return false;
    }
    outputBytes += bytes;
    return true;
  };

  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(request.memoryBytes);
  runtime.setMaxStackSize(1024 * 1024);
  // Stays active for the whole job, result read-out included.
  runtime.setInterruptHandler(() => {
    if (outputExceeded) return true;
    if (Date.now() > deadline) timedOut = true;
    return timedOut;
  });
  runtime.setModuleLoader(
    (name) => {
      if (name === HARNESS_MODULE) return HARNESS_SOURCE;
      if (HARNESS_ALIASES.has(name)) return name.includes('assert') ? ASSERT_SHIM_SOURCE : `export * from '${HARNESS_MODULE}';\nexport { default } from '${HARNESS_MODULE}';\n`;
      const source = request.modules[name];
      if (source === undefined) return { error: new Error(`cannot find module '${name}' (the wasm-js lane has no node built-ins or packages)`) };
      return source;
    },
    (base, requested) => normalize(base, requested, request.modules),
  );
  const context = runtime.newContext();
  let poisoned = false;
  const finish = (status: SandboxStatus, message: string, tests: TestOutcome[] = [], exitCode: number | null = null): RunResponse => ({
    type: 'result',
    id: request.id,
    poisoned,
    result: { status, message, tests, stdout: output.stdout, stderr: output.stderr, outputTruncated: outputExceeded, exitCode },
  });

  try {
    const writer = context.newFunction('__umca_write', (stream: QuickJSHandle, text: QuickJSHandle) => {
      const target = context.getNumber(stream) === 2 ? 'stderr' : 'stdout';
      const chunk = context.getString(text);
      const size = Buffer.byteLength(chunk);
      if (outputBytes + size > request.outputBytes) {
        output[target] += Buffer.from(chunk).subarray(0, Math.max(0, request.outputBytes - outputBytes)).toString();
        outputBytes = request.outputBytes;
        outputExceeded = true;
        return;
      }
      output[target] += chunk;
      outputBytes += size;
    });
    context.setProp(context.global, '__umca_write', writer);
    writer.dispose();
    const reporter = context.newFunction('__umca_report', (kindHandle: QuickJSHandle, indexHandle: QuickJSHandle, textHandle: QuickJSHandle) => {
      const kind = context.getNumber(kindHandle);
      const index = context.getNumber(indexHandle);
      if (kind === 0) {
        const name = cut(context.getString(textHandle), MAX_TEST_NAME_CHARS);
        // Every test the job registers counts toward its output, as its record will.
        if (testsDone || !spend(Buffer.byteLength(name) + 64)) return context.newNumber(outcomes.length);
        outcomes.push({ name, ok: false, error: 'the test never finished', duration_ms: 0, ended: false });
        return context.newNumber(outcomes.length - 1);
      }
      if (kind === 4) {
        testsDone = true;
        return undefined;
      }
      const outcome = Number.isInteger(index) ? outcomes[index] : undefined;
      if (!outcome || outcome.ended || testsDone) return undefined;
      if (kind === 1) outcome.startedAt ??= performance.now();
      else if (kind === 2 || kind === 3) {
        outcome.ended = true;
        outcome.ok = kind === 2;
        outcome.duration_ms = outcome.startedAt === undefined ? 0 : performance.now() - outcome.startedAt;
        if (kind === 2) delete outcome.error;
        else {
          const error = cut(context.getString(textHandle), MAX_TEST_ERROR_CHARS);
          outcome.error = spend(Buffer.byteLength(error)) ? error : 'failed';
        }
      }
      return undefined;
    });
    context.setProp(context.global, '__umca_report', reporter);
    reporter.dispose();

    const entry = request.entry !== undefined
      ? [`import '${HARNESS_MODULE}';`, `import ${JSON.stringify(`./${request.entry}`)};`].join('\n')
      : [
          `import { __umca_run } from '${HARNESS_MODULE}';`,
          ...request.tests.map((path) => `import ${JSON.stringify(`./${path}`)};`),
          `__umca_run().then(undefined, (e) => { globalThis.__umca_error = String(e); });`,
        ].join('\n');
    const evaluated = context.evalCode(entry, '__umca_entry.js', { type: 'module' });
    if (evaluated.error) {
      const error = describe(context, evaluated.error);
      evaluated.error.dispose();
      return classify(error);
    }
    // A module's evaluation is a promise: a top-level throw or await rejection shows up here.
    const evaluation = evaluated.value;
    // Drain microtasks, then fire timers on the virtual clock, until nothing is left to run.
    for (;;) {
      const jobs = runtime.executePendingJobs();
      if (jobs.error) {
        const error = describe(context, jobs.error);
        jobs.error.dispose();
        evaluation.dispose();
        return classify(error);
      }
      if (jobs.value > 0) continue;
      if (Date.now() > deadline) {
        timedOut = true;
        break;
      }
      const tick = context.evalCode('globalThis.__umca_tick ? globalThis.__umca_tick() : false');
      if (tick.error) {
        const error = describe(context, tick.error);
        tick.error.dispose();
        evaluation.dispose();
        return classify(error);
      }
      const fired = context.dump(tick.value) === true;
      tick.value.dispose();
      if (!fired) break;
    }
    const state = context.getPromiseState(evaluation);
    evaluation.dispose();
    if (state.type === 'rejected') {
      const error = describe(context, state.error);
      state.error.dispose();
      return classify(error);
    }
    if (state.type === 'fulfilled' && state.notAPromise !== true) state.value.dispose();
    if (outputExceeded) return finish('output_limit', `everything the job returned (output and test records) passed the ${request.outputBytes}-byte limit; the guest was stopped`);
    if (timedOut) return finish('timeout', `stopped after the ${request.timeoutMs} ms time limit`);

    if (request.entry !== undefined) {
      if (state.type === 'fulfilled') return finish('ok', 'exited with status 0', [], 0);
      return classify('the program never finished: it awaits a promise that never settles');
    }
    if (!testsDone) {
      const fatal = readGlobalString(context, '__umca_error');
      if (outcomes.length === 0 || fatal !== undefined) return classify(fatal ?? 'the tests never finished: a test awaits a promise that never settles');
    }
    // What the host recorded, as it happened; a test with no outcome failed.
    const tests: TestOutcome[] = outcomes.map(({ name, ok, error, duration_ms }) => ({ name, ok, ...(error === undefined ? {} : { error }), duration_ms }));
    const oom = tests.find((t) => t.error && isOutOfMemory(t.error));
    if (oom) {
      poisoned = true;
      return finish('oom', `test "${oom.name}" ran out of memory (limit ${request.memoryBytes} bytes)`, tests);
    }
    const failed = tests.filter((t) => !t.ok).length;
    return finish('ok', `${tests.length - failed} passed, ${failed} failed`, tests, 0);
  } finally {
    context.dispose();
    try {
      runtime.dispose();
    } catch {
      // A runtime that hit out-of-memory may not free cleanly; the worker is recycled anyway.
      poisoned = true;
    }
  }

  function classify(error: string): RunResponse {
    if (outputExceeded) return finish('output_limit', `output passed the ${request.outputBytes}-byte limit; the guest was stopped`);
    if (timedOut || /interrupted/i.test(error)) return finish('timeout', `stopped after the ${request.timeoutMs} ms time limit`);
    if (isOutOfMemory(error)) {
      poisoned = true;
      return finish('oom', `guest ran out of memory (limit ${request.memoryBytes} bytes): ${error}`);
    }
    output.stderr += `${error}\n`;
    return finish('nonzero_exit', request.entry === undefined ? `the tests did not run: ${error}` : `exited with status 1: ${error}`, [], 1);
  }
}

function isOutOfMemory(error: string): boolean {
  return /out of memory|string too long|invalid array buffer length|allocation failed/i.test(error);
}

function describe(context: QuickJSContext, handle: QuickJSHandle): string {
  const dumped = context.dump(handle) as unknown;
  if (dumped && typeof dumped === 'object' && 'message' in dumped) {
    const { name, message, stack } = dumped as { name?: string; message?: string; stack?: string };
    // A syntax error's only location is its stack's first frame; name it as esbuild's errors do.
    const where = name === 'SyntaxError' && typeof stack === 'string' ? /at ([^\s()]+:\d+(?::\d+)?)/.exec(stack)?.[1] : undefined;
    return `${name ?? 'Error'}: ${where ? `${where}: ` : ''}${message ?? ''}`;
  }
  return String(dumped);
}

function readGlobalString(context: QuickJSContext, name: string): string | undefined {
  const handle = context.getProp(context.global, name);
  try {
    return context.typeof(handle) === 'string' ? context.getString(handle) : undefined;
  } finally {
    handle.dispose();
  }
}

/** Resolves `./x.js` relative to the importer, trying the TypeScript source's names too. */
function normalize(base: string, requested: string, modules: Record<string, string>): string {
  if (!requested.startsWith('./') && !requested.startsWith('../') && !requested.startsWith('/')) return requested;
  const parts = base.split('/').slice(0, -1);
  for (const segment of requested.split('/')) {
    if (segment === '.' || segment === '') continue;
    if (segment === '..') parts.pop();
    else parts.push(segment);
  }
  const path = parts.join('/');
  const stem = path.replace(/\.[cm]?[jt]sx?$/, '');
  const candidates = [path, `${stem}.ts`, `${stem}.js`, `${stem}.tsx`, `${stem}.mjs`, `${stem}.mts`, `${path}/index.ts`, `${path}/index.js`];
  return candidates.find((candidate) => candidate in modules) ?? path;
}
