import type { ChildProcess } from 'node:child_process';

/**
 * SIGKILLs a sandbox started with `detached: true` and its whole process group (prlimit,
 * setpriv and bwrap exec into one another; bwrap's children die with it).
 */
export function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
