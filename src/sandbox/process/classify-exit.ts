import type { EgressDecision, ResourceUse, SandboxLimits, SandboxStatus, TestOutcome } from '../sandbox-lane.js';

/** What the host saw of a sandboxed process, from spawn to exit. */
export interface ExitFacts {
  mode: 'program' | 'tests';
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the host stopped the guest. */
  stoppedBy: 'timeout' | 'output_limit' | 'cancelled' | 'oom' | undefined;
  stdout: string;
  stderr: string;
  outputExceeded: boolean;
  usage: ResourceUse;
  tests: TestOutcome[];
  limits: SandboxLimits;
  /** The first connection the egress proxy refused, if any. */
  egressDenied: EgressDecision | undefined;
}

/** Messages runtimes print when an allocation fails under the memory limit. */
const OUT_OF_MEMORY = /MemoryError|x(malloc|realloc): cannot allocate|Invalid string length|JavaScript heap out of memory|Array buffer allocation failed|Cannot allocate memory|out of memory|std::bad_alloc|Aborted\(OOM\)/i;

/** Messages when a write fails because the job's writable space (a capped tmpfs) is full. */
const DISK_FULL = /No space left on device|ENOSPC|Disk quota exceeded/i;

/** Messages when fork/clone fails under RLIMIT_NPROC. */
const PROCESS_LIMIT = /fork: (retry: )?Resource temporarily unavailable|Cannot fork|BlockingIOError: \[Errno 11\]|spawn .*EAGAIN/i;

/** A runtime that aborted itself (Pyodide after a host call was refused, V8 fatal errors). */
const RUNTIME_FATAL = /Pyodide has suffered a fatal error|^FATAL ERROR: (?!.*heap out of memory)/m;

/** Maps a finished guest process to one of the classified results, with a line saying why. */
export function classifyExit(facts: ExitFacts): { status: SandboxStatus; message: string } {
  const { limits } = facts;
  if (facts.stoppedBy === 'output_limit' || facts.outputExceeded)
    return { status: 'output_limit', message: `everything the job returned (output and test records) passed the ${limits.outputBytes}-byte limit; the guest was stopped` };
  if (facts.stoppedBy === 'timeout') return { status: 'timeout', message: `killed after the ${limits.timeoutMs} ms time limit` };
  if (facts.stoppedBy === 'cancelled') return { status: 'crashed', message: 'cancelled: the run stopped the guest' };
  if (facts.stoppedBy === 'oom') return { status: 'oom', message: `killed for using more than ${limits.memoryBytes} bytes of memory` };
  if (facts.signal === 'SIGXCPU' || (facts.signal === 'SIGKILL' && facts.usage.cpuMs !== undefined && facts.usage.cpuMs >= limits.timeoutMs))
    return { status: 'timeout', message: `stopped at its CPU time limit (${Math.ceil(limits.timeoutMs / 1000) + 1} s)` };
  if (OUT_OF_MEMORY.test(facts.stderr)) return { status: 'oom', message: `ran out of memory (limit ${limits.memoryBytes} bytes): ${lastLine(facts.stderr, OUT_OF_MEMORY)}` };
  if (RUNTIME_FATAL.test(facts.stderr)) {
    const cause = facts.stderr.split('\n').find((line) => /^\w*Error\b/.test(line.trim()))?.trim();
    return { status: 'crashed', message: `the language runtime stopped with a fatal error${cause ? `: ${cause}` : ''}` };
  }
  if (PROCESS_LIMIT.test(facts.stderr)) return { status: 'crashed', message: `hit the sandbox's process limit: ${lastLine(facts.stderr, PROCESS_LIMIT)}` };
  if (facts.signal === 'SIGXFSZ') return { status: 'disk_limit', message: 'wrote a file past the file size limit (SIGXFSZ)' };
  if (DISK_FULL.test(facts.stderr)) {
    const room = limits.diskBytes === undefined ? '' : ` (${limits.diskBytes} bytes)`;
    return { status: 'disk_limit', message: `filled its writable space${room}: ${lastLine(facts.stderr, DISK_FULL)}` };
  }
  if (/^bwrap: /m.test(facts.stderr) && facts.exitCode === 1 && facts.tests.length === 0)
    return { status: 'crashed', message: `the sandbox could not start: ${lastLine(facts.stderr, /^bwrap: /m)}` };
  if (facts.egressDenied) {
    const { host, port, reason } = facts.egressDenied;
    return { status: 'egress_denied', message: `connection to ${host}:${port} refused by the egress policy (${reason.replace(/_/g, ' ')})` };
  }
  if (facts.signal) return { status: 'crashed', message: `killed by ${facts.signal}${facts.stderr.trim() ? `: ${lastLine(facts.stderr)}` : ''}` };
  if (facts.mode === 'tests') {
    if (facts.tests.length === 0) return { status: 'nonzero_exit', message: `the tests did not run${facts.stderr.trim() ? `: ${lastLine(facts.stderr)}` : ` (exit status ${facts.exitCode})`}` };
    const failed = facts.tests.filter((t) => !t.ok).length;
    return { status: 'ok', message: `${facts.tests.length - failed} passed, ${failed} failed` };
  }
  if (facts.exitCode === 0) return { status: 'ok', message: 'exited with status 0' };
  return { status: 'nonzero_exit', message: `exited with status ${facts.exitCode}${facts.stderr.trim() ? `: ${lastLine(facts.stderr)}` : ''}` };
}

/** The last non-empty stderr line, or the last one matching `pattern`, cut to one readable line. */
function lastLine(text: string, pattern?: RegExp): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^\s*at /.test(l) && !/^Node\.js v/.test(l));
  const chosen = (pattern ? lines.filter((l) => pattern.test(l)).pop() : undefined) ?? lines.pop() ?? '';
  return chosen.length > 300 ? `${chosen.slice(0, 297)}...` : chosen;
}
