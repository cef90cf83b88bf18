import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isAlive } from '../core/process-alive.js';
import type { RunRecord } from '../core/run.js';

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

/** A lease whose holder still heartbeats (or one without expiry, held by a process that lives). */
export function leaseIsLive(run: Pick<RunRecord, 'lease_owner' | 'lease_expires_at'>): boolean {
  if (!run.lease_owner || isStaleHolder(run.lease_owner)) return false;
  return run.lease_expires_at === null || Date.parse(run.lease_expires_at) > Date.now();
}
