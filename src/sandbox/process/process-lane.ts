import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { readBoundedFile } from '../../core/read-bounded-file.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { confineToDir } from './confine-bundle.js';
import { EgressProxy } from '../egress/egress-proxy.js';
import { parseEgressRules } from '../../core/egress-rules.js';
import { OutputCapture } from '../output-capture.js';
import { languageOfJob, testPathsOf } from '../job-language.js';
import { exitResult, refusedResult } from '../sandbox-result.js';
import {
  type SandboxJob,
  type SandboxLane,
  type SandboxLanguage,
  type SandboxResult,
  type SandboxRunOptions,
  type SandboxStatus,
  type TestOutcome,
} from '../sandbox-lane.js';
import { checkJobPath, WorkDir } from '../work-dir.js';
import { bwrapArgv, nodeInstallMounts } from './bwrap-command.js';
import { BASH_TEST_RUNNER, EGRESS_BRIDGE, NODE_TEST_REPORTER, PYTHON_TEST_RUNNER, SUPERVISOR } from './guest-runners.js';
import { takeGuestIdentity } from './guest-identity.js';
import { killGroup } from './kill-group.js';
import { MemoryCgroups, type JobCgroup } from './memory-cgroup.js';
import { seccompProgram, seccompSupported } from './seccomp-filter.js';
import { artifactsFromTar } from '../tar-artifacts.js';
import { readJunit } from '../junit-results.js';
import { parseTap } from '../tap-results.js';
import { checkRunsc, forceDelete, runscJob, type RunscJob } from './runsc-command.js';
import type { SandboxSpec } from './sandbox-spec.js';
import type { ExitFacts } from './classify-exit.js';

export interface ProcessLaneOptions {
  /** Processes and threads one guest may have (RLIMIT_NPROC, with a dropped uid). Default 128. */
  maxProcesses?: number;
  /** Writable space of a job whose limits name none: /work holds this much, /tmp half, /dev/shm a quarter. Default 64 MiB. */
  diskBytes?: number;
  /** Extra data segment for a node guest's own runtime, above the job's memory limit. Default 96 MiB. */
  nodeRuntimeBytes?: number;
  /** Host paths guests must never see even where a system dir is mounted (UMCA_HOME). */
  hide?: readonly string[];
  /** Where job memory cgroups are made; `false` forces the RLIMIT_AS fallback. Default: detected. */
  cgroups?: MemoryCgroups | false;
  /**
   * What makes the sandbox: `bwrap` (bubblewrap: Linux namespaces, seccomp, the host kernel)
   * or `gvisor` (runsc: the same mounts and limits, system calls served by gVisor's
   * user-space kernel). The lane is named `process` or `gvisor` after it. Default `bwrap`.
   */
  runtime?: ProcessRuntime;
}

export type ProcessRuntime = 'bwrap' | 'gvisor';

const TIME_BINARY = '/usr/bin/time';
const PROXY_PORT = 3128;
const RESULTS_FILE = 'tests.jsonl';
const USAGE_FILE = 'usage.txt';
const ARCHIVE_FILE = 'work.tar';
/** The host files a guest may write (each a mount point, capped by RLIMIT_FSIZE). */
const JUNIT_FILE = 'junit.xml';
const RESULT_FILES = [RESULTS_FILE, USAGE_FILE, ARCHIVE_FILE, JUNIT_FILE];
/**
 * How a repository's own test command reports each test: node:test (however it is started:
 * npm test, node --test) through a reporter added in NODE_OPTIONS beside its usual one;
 * pytest through its JUnit XML.
 */
const COMMAND_REPORTERS = {
  NODE_OPTIONS: `--test-reporter=spec --test-reporter-destination=stdout --test-reporter=/umca/node-reporter.mjs --test-reporter-destination=/umca-out/${RESULTS_FILE}`,
  PYTEST_ADDOPTS: `--junitxml=/umca-out/${JUNIT_FILE} -p no:cacheprovider`,
  // npm asks the registry nothing on its own (update checks, audits, funding).
  NPM_CONFIG_UPDATE_NOTIFIER: 'false',
  NPM_CONFIG_AUDIT: 'false',
  NPM_CONFIG_FUND: 'false',
};
/** RLIMIT_FSIZE above the work dir's size: room for the archive's headers. */
const ARCHIVE_HEADROOM = 16 * 1024 * 1024;
/** Address space for a runtime's own reservations where RLIMIT_AS stands in for a cgroup (V8 reserves GiBs it never touches). */
const NODE_ADDRESS_SPACE = 4 * 1024 * 1024 * 1024;
const NATIVE_ADDRESS_SPACE = 256 * 1024 * 1024;
/** Job files passed to bubblewrap as descriptors (fds 4…, under the sandbox's 256 open files); more are copied in by the supervisor. */
const FIRST_INPUT_FD = 4;
const MAX_INPUT_FDS = 200;
/** gVisor's Sentry and gofer, counted in the job's cgroup beside the guest. */
const GVISOR_RUNTIME_BYTES = 160 * 1024 * 1024;

/**
 * Real `node`, `python3` and `bash` under bubblewrap: read-only system dirs, a private work
 * dir, fresh /proc and /dev, new user/pid/ipc/uts/net namespaces, no inherited environment,
 * rlimits for CPU, memory, file size and processes, and a wall-clock kill. Network only
 * through umca's egress proxy, and only to granted host:port pairs.
 */
export class ProcessLane implements SandboxLane {
  readonly name: 'process' | 'gvisor';
  readonly runtime: ProcessRuntime;
  readonly languages: ReadonlySet<SandboxLanguage> = new Set(['javascript', 'python', 'bash']);
  readonly #options: Required<Omit<ProcessLaneOptions, 'cgroups' | 'runtime'>>;
  readonly #cgroups: MemoryCgroups | undefined;
  #helpers: Promise<string> | undefined;
  readonly #running = new Set<Promise<unknown>>();

  constructor(options: ProcessLaneOptions = {}) {
    this.#options = {
      maxProcesses: options.maxProcesses ?? 128,
      diskBytes: options.diskBytes ?? 64 * 1024 * 1024,
      nodeRuntimeBytes: options.nodeRuntimeBytes ?? 96 * 1024 * 1024,
      hide: options.hide ?? [],
    };
    this.runtime = options.runtime ?? 'bwrap';
    this.name = this.runtime === 'gvisor' ? 'gvisor' : 'process';
    this.#cgroups = options.cgroups === false ? undefined : (options.cgroups ?? MemoryCgroups.detect());
    // A umca SIGKILLed mid-job leaves its job's (empty) cgroup behind; the next lane removes it.
    this.#cgroups?.sweep();
  }

  /** How a job's memory is bounded here: a memory cgroup (v1 or v2) or, without one, RLIMIT_AS. */
  get memoryBound(): 'cgroup-v1' | 'cgroup-v2' | 'rlimit-as' {
    return this.#cgroups ? `cgroup-v${this.#cgroups.version}` : 'rlimit-as';
  }

  /** Whether the runtime can make a sandbox on this machine; names what is missing. */
  static check(runtime: ProcessRuntime = 'bwrap'): { ok: boolean; problem?: string } {
    if (runtime === 'gvisor') return checkRunsc();
    const probe = spawnSync('bwrap', ['--unshare-all', '--ro-bind', '/', '/', '--', 'true'], { stdio: 'pipe', timeout: 5_000 });
    if (probe.error) return { ok: false, problem: 'bubblewrap (`bwrap`) is not installed; on Debian: apt-get install bubblewrap' };
    if (probe.status !== 0) return { ok: false, problem: `bubblewrap cannot create namespaces here: ${probe.stderr.toString().trim()}` };
    return { ok: true };
  }

  async warm(): Promise<void> {
    await this.#helperDir().catch(() => undefined);
  }

  run(job: SandboxJob, options: SandboxRunOptions = {}): Promise<SandboxResult> {
    const running = this.#run(job, options);
    this.#running.add(running);
    void running.finally(() => this.#running.delete(running));
    return running;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#running]);
    const helpers = await this.#helpers?.catch(() => undefined);
    if (helpers) await rm(helpers, { recursive: true, force: true });
    this.#helpers = undefined;
  }

  async #run(job: SandboxJob, options: SandboxRunOptions): Promise<SandboxResult> {
    const started = performance.now();
    const early = (status: SandboxStatus, message: string) => refusedResult(status, message, started);
    const { language, error } = languageOfJob(job);
    if (!language) return early('nonzero_exit', error!);
    const egress = parseEgressRules(job.egress?.allowedOutboundHosts ?? []);
    if (egress.error) return early('nonzero_exit', egress.error);

    let helpers: string;
    try {
      helpers = await this.#helperDir();
    } catch (cause) {
      return early('crashed', `the process lane could not prepare its runners: ${(cause as Error).message}`);
    }
    const identity = takeGuestIdentity();
    const owner = identity.uid === undefined ? undefined : { uid: identity.uid, gid: identity.uid };
    const dir = await WorkDir.create(job.blobs ? { ...job.files, ...job.blobs } : job.files, owner);
    if ('error' in dir) {
      identity.release();
      return early('nonzero_exit', dir.error);
    }
    let proxy: EgressProxy | undefined;
    let cgroup: JobCgroup | undefined;
    let gvisor: RunscJob | undefined;
    try {
      const tests = job.entry === undefined && job.command === undefined ? testPathsOf(job) : [];
      const prepared = await this.#command(language, job, tests, dir);
      if ('error' in prepared) return early('nonzero_exit', prepared.error);
      let command = prepared.command;
      const env: Record<string, string> = {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: '/work',
        TMPDIR: '/tmp',
        LANG: 'C.UTF-8',
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
        ...(job.command === undefined ? {} : COMMAND_REPORTERS),
      };
      // The job's files: written into /work by bubblewrap itself from descriptors (no copy
      // process), or, under gVisor or past MAX_INPUT_FDS, mounted at /umca-in for the supervisor to copy.
      const inputs = [...Object.keys(job.files), ...Object.keys(job.blobs ?? {})].sort();
      const byDescriptor = this.runtime === 'bwrap' && inputs.length <= MAX_INPUT_FDS;
      const readOnly = [...nodeInstallMounts(), { source: helpers, target: '/umca' }, { source: dir.build, target: '/umca-build' }];
      const layers = job.layers ?? [];
      for (const [index, layer] of layers.entries()) {
        if (checkJobPath(layer.at)) return early('nonzero_exit', `layer at "${layer.at}": ${checkJobPath(layer.at)}`);
        readOnly.push({ source: layer.source, target: `/umca-layers/${index}` });
      }
      if (layers.length) env.UMCA_LAYERS = layers.map((layer, index) => `${index}:${layer.at}`).join(' ');
      if (!byDescriptor) readOnly.push({ source: dir.path, target: '/umca-in' });
      if (egress.rules.length > 0) {
        const egressDir = join(dir.root, 'egress');
        await mkdir(egressDir, { mode: 0o755 });
        proxy = await EgressProxy.start({ rules: egress.rules, socketPath: join(egressDir, 'proxy.sock'), onDecision: (d) => options.onEgress?.(d) });
        if (owner) await chown(join(egressDir, 'proxy.sock'), owner.uid, owner.gid);
        // Read-only: the guest may connect to the socket, not write files beside it.
        readOnly.push({ source: egressDir, target: '/umca-egress' });
        command = [process.execPath, '--input-type=module', '-e', EGRESS_BRIDGE, '/umca-egress/proxy.sock', ...command];
        const url = `http://127.0.0.1:${PROXY_PORT}`;
        Object.assign(env, { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, ALL_PROXY: url, NO_PROXY: '', no_proxy: '' });
      }
      // GNU time inside the sandbox measures the guest and every process it waited for.
      if (existsSync(TIME_BINARY)) command = [TIME_BINARY, '-q', '-f', '%U %S %M', '-o', `/umca-out/${USAGE_FILE}`, ...command];
      command = ['/bin/sh', '/umca/supervise.sh', ...command];
      const node = language === 'javascript' || proxy !== undefined || job.command !== undefined;
      const memory = job.limits.memoryBytes + (node ? this.#options.nodeRuntimeBytes : 16 * 1024 * 1024);
      const disk = job.limits.diskBytes ?? this.#options.diskBytes;
      const tmpfs = [
        { target: '/work', bytes: disk },
        { target: '/tmp', bytes: Math.max(1 << 20, Math.floor(disk / 2)) },
        { target: '/dev/shm', bytes: Math.max(1 << 20, Math.floor(disk / 4)) },
      ];
      // One budget: the job's memory, its runtime's own and every tmpfs, counted together
      // (under gVisor, with the Sentry's own memory).
      const sentry = this.runtime === 'gvisor' ? GVISOR_RUNTIME_BYTES : 0;
      if (this.#cgroups) cgroup = await this.#cgroups.create(memory + sentry + tmpfs.reduce((sum, mount) => sum + mount.bytes, 0));
      for (const name of RESULT_FILES) {
        await writeFile(join(dir.out, name), '', { mode: 0o600 });
        if (owner) await chown(join(dir.out, name), owner.uid, owner.gid);
      }
      const spec: SandboxSpec = {
        readOnly,
        writableFiles: RESULT_FILES.map((name) => ({ source: join(dir.out, name), target: `/umca-out/${name}` })),
        tmpfs,
        ...(byDescriptor ? { inputFiles: inputs.map((path, index) => ({ fd: FIRST_INPUT_FD + index, target: `/work/${path}` })) } : {}),
        hide: this.#options.hide,
        env,
        ...(identity.uid === undefined ? {} : { uid: identity.uid }),
        ...(cgroup ? { cgroupProcs: cgroup.procsFile } : {}),
        seccomp: seccompSupported(),
        rlimits: {
          cpuSeconds: Math.max(1, Math.ceil(job.limits.timeoutMs / 1000) + 1),
          dataBytes: memory,
          ...(cgroup ? {} : { addressBytes: memory + (node ? NODE_ADDRESS_SPACE : NATIVE_ADDRESS_SPACE) }),
          fileBytes: disk + ARCHIVE_HEADROOM,
          processes: this.#options.maxProcesses,
          openFiles: 256,
        },
        command,
      };
      if (this.runtime === 'gvisor') {
        const { uid: _uid, ...inside } = spec;
        gvisor = await runscJob(inside, join(dir.root, 'gvisor'), { ...(identity.uid === undefined ? {} : { uid: identity.uid }), hostSockets: proxy !== undefined });
      }
      const argv = gvisor ? gvisor.argv : bwrapArgv(spec, 3);
      const inputFds = byDescriptor ? inputs.map((path) => join(dir.path, path)) : [];
      const facts = await this.#spawn(argv, dir, job, options.signal, join(helpers, 'seccomp.bpf'), cgroup, inputFds);
      if (gvisor && facts.stoppedBy) forceDelete(gvisor, identity.uid);
      // A command's node:test records are JSON lines, whatever shell ran them.
      const results = await readResults(dir.out, job.command !== undefined ? 'javascript' : language, tests, job.limits.outputBytes);
      if (job.command !== undefined) results.outcomes.push(...(await readJunit(join(dir.out, JUNIT_FILE), job.limits.outputBytes)));
      // Any other runner that speaks TAP on its stdout.
      if (job.command !== undefined && results.outcomes.length === 0 && !facts.stoppedBy) results.outcomes.push(...parseTap(facts.stdout));
      const outcomes = job.command !== undefined && results.outcomes.length === 0 && !facts.stoppedBy ? [commandOutcome(job.command, facts)] : results.outcomes;
      if (results.truncated) facts.outputExceeded = true;
      const exit = { ...facts, mode: job.entry === undefined ? ('tests' as const) : ('program' as const), tests: outcomes, limits: { ...job.limits, diskBytes: disk }, egressDenied: proxy?.firstDenied };
      const artifacts = await artifactsFromTar(join(dir.out, ARCHIVE_FILE), dir.inputs, disk + ARCHIVE_HEADROOM);
      if (job.keepWork) await copyFile(join(dir.out, ARCHIVE_FILE), job.keepWork);
      return exitResult(exit, artifacts, started);
    } catch (cause) {
      return early('crashed', `the process lane failed: ${(cause as Error).message}`);
    } finally {
      await proxy?.close().catch(() => undefined);
      // The job's cgroup and dir go after the result is back (close() waits for them); the
      // uid is free once both are gone.
      const cleanup = Promise.all([cgroup?.remove(), dir.remove()]).finally(() => identity.release());
      this.#running.add(cleanup);
      void cleanup.finally(() => this.#running.delete(cleanup));
    }
  }

  /** The guest command for the job, after any host-side build (TypeScript → one ES module). */
  async #command(language: SandboxLanguage, job: SandboxJob, tests: string[], dir: WorkDir): Promise<{ command: string[] } | { error: string }> {
    const results = `/umca-out/${RESULTS_FILE}`;
    if (job.command !== undefined) return { command: ['/bin/sh', '-c', job.command] };
    if (language === 'python') return { command: job.entry ? ['python3', '-B', job.entry] : ['python3', '-B', '/umca/run_tests.py', results, ...tests] };
    if (language === 'bash') return { command: job.entry ? ['bash', job.entry] : ['bash', '/umca/run_bash_tests.sh', results, ...tests] };
    const entries = job.entry ? [job.entry] : tests;
    try {
      await build({
        stdin: { contents: entries.map((path) => `import ${JSON.stringify(`./${path}`)};`).join('\n'), resolveDir: dir.path, sourcefile: '__umca_entry.mjs', loader: 'js' },
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        // The bundler runs on the host: it may read the job's own files and nothing else.
        plugins: [confineToDir(dir.path)],
        tsconfigRaw: '{}',
        outfile: join(dir.build, 'main.mjs'),
        logLevel: 'silent',
        banner: { js: "import { createRequire as __umcaCreateRequire } from 'node:module'; const require = __umcaCreateRequire(import.meta.url);" },
      });
    } catch (error) {
      const first = (error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors?.[0];
      const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ` : '';
      return { error: `${/Could not resolve/.test(first?.text ?? '') ? 'Error' : 'SyntaxError'}: ${where}${first?.text ?? (error as Error).message}` };
    }
    const heap = `--max-old-space-size=${Math.max(16, Math.floor(job.limits.memoryBytes / (1024 * 1024)))}`;
    return {
      command: job.entry
        ? ['node', heap, '/umca-build/main.mjs']
        : ['node', heap, '--test-reporter=/umca/node-reporter.mjs', `--test-reporter-destination=${results}`, '/umca-build/main.mjs'],
    };
  }

  async #spawn(
    argv: string[],
    dir: WorkDir,
    job: SandboxJob,
    signal: AbortSignal | undefined,
    seccompFile: string,
    cgroup: JobCgroup | undefined,
    inputFiles: string[],
  ): Promise<Omit<ExitFacts, 'mode' | 'tests' | 'limits' | 'egressDenied'>> {
    const usageFile = join(dir.out, USAGE_FILE);
    const started = performance.now();
    const output = new OutputCapture(job.limits.outputBytes);
    // bubblewrap reads the seccomp program from fd 3 and closes it before the guest starts.
    // bubblewrap reads the job's files from fds 4…, written by the host (never guest-made).
    const filter = argv.includes('--seccomp') ? await open(seccompFile, 'r') : undefined;
    const inputs = await Promise.all(inputFiles.map((file) => open(file, 'r')));
    return new Promise((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe', filter ? filter.fd : 'ignore', ...inputs.map((handle) => handle.fd)],
        detached: true,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
      for (const handle of [filter, ...inputs]) void handle?.close();
      let stoppedBy: ExitFacts['stoppedBy'];
      const kill = (reason: NonNullable<ExitFacts['stoppedBy']>) => {
        stoppedBy ??= reason;
        killGroup(child);
        void cgroup?.killAll();
      };
      const timer = setTimeout(() => kill('timeout'), job.limits.timeoutMs);
      const onAbort = () => kill('cancelled');
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      child.stdout!.on('data', (chunk: Buffer) => output.write('stdout', chunk) || kill('output_limit'));
      child.stderr!.on('data', (chunk: Buffer) => output.write('stderr', chunk) || kill('output_limit'));
      child.on('error', (error) => output.write('stderr', `umca: could not start the sandbox: ${error.message}\n`));
      child.on('close', async (code, exitSignal) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const wallMs = performance.now() - started;
        const usage = await readUsage(usageFile, wallMs);
        if (cgroup && !stoppedBy && (await cgroup.oomKilled())) stoppedBy = 'oom';
        resolve({
          exitCode: stoppedBy ? null : code,
          signal: exitSignal ?? signalOf(code),
          stoppedBy,
          stdout: output.stdout,
          stderr: output.stderr,
          outputExceeded: output.exceeded,
          usage,
        });
      });
    });
  }

  #helperDir(): Promise<string> {
    this.#helpers ??= (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'umca-runners-'));
      await writeFile(join(dir, 'node-reporter.mjs'), NODE_TEST_REPORTER);
      await writeFile(join(dir, 'run_tests.py'), PYTHON_TEST_RUNNER);
      await writeFile(join(dir, 'run_bash_tests.sh'), BASH_TEST_RUNNER);
      await writeFile(join(dir, 'supervise.sh'), SUPERVISOR);
      if (seccompSupported()) await writeFile(join(dir, 'seccomp.bpf'), seccompProgram());
      await chmod(dir, 0o755);
      return dir;
    })();
    return this.#helpers;
  }
}

/** Under GNU time and bwrap, a guest killed by signal N surfaces as exit status 128 + N. */
function signalOf(code: number | null): NodeJS.Signals | null {
  if (code === null || code <= 128 || code > 128 + 64) return null;
  const names: Record<number, NodeJS.Signals> = { 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 24: 'SIGXCPU', 25: 'SIGXFSZ', 7: 'SIGBUS', 5: 'SIGTRAP' };
  return names[code - 128] ?? null;
}

/** GNU time's `%U %S %M` line; the guest could have written the file, so only sane numbers count. */
async function readUsage(file: string, wallMs: number): Promise<SandboxResult['usage']> {
  const read = await readBoundedFile(file, 4096).catch(() => undefined);
  const fields = read?.text.trim().split('\n').pop()?.split(' ') ?? [];
  if (fields.length !== 3 || !fields.every((field) => /^\d+(\.\d+)?$/.test(field))) return { wallMs };
  const [user, system, rssKb] = fields.map(Number) as [number, number, number];
  return { wallMs, cpuMs: Math.round((user + system) * 1000), maxRssBytes: rssKb * 1024 };
}

/** What the in-sandbox runner reported: JSON lines (node, python) or `<index> <status> <ms>` (bash). */
async function readResults(outDir: string, language: SandboxLanguage, tests: string[], maxBytes: number): Promise<{ outcomes: TestOutcome[]; truncated: boolean }> {
  const read = await readBoundedFile(join(outDir, RESULTS_FILE), maxBytes).catch(() => undefined);
  if (!read) return { outcomes: [], truncated: false };
  const { text } = read;
  const outcomes: TestOutcome[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (language === 'bash') {
      const [index, status, ms] = line.split(' ').map(Number);
      const name = tests[index ?? -1];
      if (name === undefined) continue;
      outcomes.push({ name, ok: status === 0, ...(status === 0 ? {} : { error: `exited with status ${status}` }), duration_ms: ms ?? 0 });
      continue;
    }
    try {
      const record = JSON.parse(line) as Partial<TestOutcome>;
      if (typeof record.name !== 'string' || typeof record.ok !== 'boolean') continue;
      outcomes.push(record as TestOutcome); // bounded and clamped with every lane's records (bound-result.ts)
    } catch {
      // A guest can write anything to its results file; lines that are not records are ignored.
    }
  }
  return { outcomes, truncated: read.truncated };
}

/** A command whose runner reports no test one by one: one outcome, its exit status. */
function commandOutcome(command: string, facts: { exitCode: number | null; stderr: string; usage: { wallMs: number } }): TestOutcome {
  const ok = facts.exitCode === 0;
  const last = facts.stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop();
  return { name: command, ok, ...(ok ? {} : { error: `exited with status ${facts.exitCode}${last ? `: ${last.slice(0, 300)}` : ''}` }), duration_ms: Math.round(facts.usage.wallMs) };
}
