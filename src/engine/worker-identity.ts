import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isAlive } from '../core/process-alive.js';

/** This process as a lease holder: `host:pid:nonce`. */
export function workerIdentity(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** A holder on this host whose process is gone holds nothing. Holders elsewhere are trusted. */
export function isStaleHolder(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || pid === undefined) return false;
  const parsed = Number(pid);
  return Number.isInteger(parsed) && !isAlive(parsed, host);
}
