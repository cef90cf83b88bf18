import { hostname } from 'node:os';

/** True when `pid` on this host is a live process. Processes of other hosts are presumed alive. */
export function isAlive(pid: number, host: string = hostname()): boolean {
  if (host !== hostname()) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
