import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../core/process-alive.js';
import { LOCAL_ADMIN_TOKEN_PREFIX } from '../identity/local-admin-authenticator.js';

/** Where `umca serve` says it is, for the CLI beside it: `<UMCA_HOME>/server.json`, mode 0600. */
export interface RunningServer {
  pid: number;
  host: string;
  /** Where the CLI reaches it (a loopback address when the server binds every interface). */
  url: string;
  /** Authenticates the CLI as `user:local`, the state dir's admin. */
  token: string;
}

const FILE = 'server.json';

export function newLocalAdminToken(): string {
  return `${LOCAL_ADMIN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Records the server, readable by this user only; written whole (a temporary file renamed) so a reader never sees half. */
export function recordServer(home: string, server: { url: string; token: string }): void {
  const record: RunningServer = { pid: process.pid, host: hostname(), ...server };
  const temporary = join(home, `.${FILE}.${process.pid}`);
  writeFileSync(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(temporary, join(home, FILE));
}

/** Removes the record, if it is this process's. */
export function forgetServer(home: string): void {
  if (readRecord(home)?.pid === process.pid) rmSync(join(home, FILE), { force: true });
}

/** The server that holds this state dir now, if one does (a record whose process is gone is nobody's). */
export function runningServer(home: string): RunningServer | undefined {
  const record = readRecord(home);
  return record && record.pid !== process.pid && isAlive(record.pid, record.host) && record.host === hostname() ? record : undefined;
}

function readRecord(home: string): RunningServer | undefined {
  try {
    const value = JSON.parse(readFileSync(join(home, FILE), 'utf8')) as Partial<RunningServer>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.url === 'string' && typeof value.token === 'string') return value as RunningServer;
  } catch {
    // none, unreadable, or half-written by hand: no server to talk to
  }
  return undefined;
}

/** The URL a client on this machine uses for a server bound to `host:port`. */
export function localUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
