import { randomInt } from 'node:crypto';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The uid a sandboxed guest runs as. When umca runs as root, each live sandbox gets its
 * own unprivileged uid from a reserved range: it cannot read root's files (/etc/shadow,
 * ~/.ssh, UMCA_HOME) and RLIMIT_NPROC, which the kernel counts per uid, caps that sandbox
 * alone. The uid is taken with a lock file (`<tmp>/umca-sandbox-uids/<uid>`, holding the
 * owner's pid) so every umca process on the host gets distinct uids; a lock whose process
 * is gone is taken over. Run as another user, umca's guests keep that user's uid inside a
 * user namespace; the process cap then falls to the pid namespace and the wall-clock kill.
 */
const FIRST_UID = 61_000;
const UID_COUNT = 1_000;
const LOCK_DIR = join(tmpdir(), 'umca-sandbox-uids');
const held = new Set<number>();
/**
 * Where this process takes its next uid: a random place in the range, then round it. A uid
 * whose guest just ended may still own processes the kernel is reaping (a fork bomb's), and
 * RLIMIT_NPROC counts them: a sandbox started on it at once fails to create its namespaces
 * (EAGAIN). Rotating through the range, from a different place in each umca process, keeps
 * a freed uid unused for as long as possible.
 */
let next = randomInt(UID_COUNT);

export interface GuestIdentity {
  /** Set when umca is root and the guest runs as a dropped uid. */
  uid?: number;
  release(): void;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function takeGuestIdentity(): GuestIdentity {
  if (!isRoot()) return { release: () => undefined };
  mkdirSync(LOCK_DIR, { recursive: true, mode: 0o700 });
  for (let tried = 0; tried < UID_COUNT; tried += 1) {
    const uid = FIRST_UID + ((next + tried) % UID_COUNT);
    if (held.has(uid) || !lock(uid)) continue;
    next = (uid - FIRST_UID + 1) % UID_COUNT;
    held.add(uid);
    let released = false;
    return {
      uid,
      release: () => {
        if (released) return;
        released = true;
        held.delete(uid);
        rmSync(join(LOCK_DIR, String(uid)), { force: true });
      },
    };
  }
  throw new Error(`all ${UID_COUNT} sandbox uids are in use`);
}

function lock(uid: number): boolean {
  const file = join(LOCK_DIR, String(uid));
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !isStale(file)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

/** A lock whose owner process is gone (or unreadable) is stale. */
function isStale(file: string): boolean {
  const pid = Number(readFileSync(file, { encoding: 'utf8', flag: 'r' }).trim());
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
