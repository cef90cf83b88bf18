/**
 * The uid a sandboxed guest runs as. When umca runs as root, each live sandbox gets its
 * own unprivileged uid from a reserved range: it cannot read root's files (/etc/shadow,
 * ~/.ssh, UMCA_HOME) and RLIMIT_NPROC, which the kernel counts per uid, caps that sandbox
 * alone. Run as another user, umca's guests keep that user's uid inside a user namespace;
 * the process cap then falls to the pid namespace and the wall-clock kill.
 */
const FIRST_UID = 61_000;
const UID_COUNT = 1_000;
const inUse = new Set<number>();

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
  for (let offset = 0; offset < UID_COUNT; offset += 1) {
    const uid = FIRST_UID + offset;
    if (inUse.has(uid)) continue;
    inUse.add(uid);
    let released = false;
    return {
      uid,
      release: () => {
        if (released) return;
        released = true;
        inUse.delete(uid);
      },
    };
  }
  throw new Error(`all ${UID_COUNT} sandbox uids are in use`);
}
