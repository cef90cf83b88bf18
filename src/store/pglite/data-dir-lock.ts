import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { UmcaError } from '../../core/errors.js';
import { isAlive } from '../../core/process-alive.js';

/**
 * Embedded PostgreSQL (PGlite) must have exactly one process on a data dir, or the
 * files are corrupted. This lock makes a second process fail with a clear message
 * instead; a lock left by a dead process is taken over.
 */
export class DataDirLock {
  readonly #file: string;

  private constructor(file: string) {
    this.#file = file;
  }

  static acquire(dir: string): DataDirLock {
    // Beside the data dir, not in it: PGlite wants an empty or initialised dir.
    mkdirSync(dirname(dir), { recursive: true });
    const file = `${dir}.lock`;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname() }));
        closeSync(fd);
        return new DataDirLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readHolder(file);
        if (holder && holder.pid !== process.pid && isAlive(holder.pid, holder.host)) {
          throw new UmcaError(
            'state_busy',
            `state dir ${dir} is in use by process ${holder.pid} (is \`umca serve\` running?); stop it, or set UMCA_DATABASE_URL to a PostgreSQL database to share state between processes`,
            { status: 503 },
          );
        }
        rmSync(file, { force: true });
      }
    }
    throw new UmcaError('state_busy', `could not lock state dir ${dir}`, { status: 503 });
  }

  release(): void {
    rmSync(this.#file, { force: true });
  }
}

function readHolder(file: string): { pid: number; host: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; host?: unknown };
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') return { pid: parsed.pid, host: parsed.host };
  } catch {
    // An unreadable or half-written lock belongs to nobody alive.
  }
  return undefined;
}
