/**
 * The seccomp filter every process-lane guest runs under: a deny-list of the system calls a
 * test or a program has no use for and that widen the kernel surface a guest can attack
 * (io_uring, the key store, new user namespaces, mounts, ptrace, BPF, module loading…).
 *
 * bubblewrap loads a classic BPF program from a file descriptor (`--seccomp FD`); there is
 * no maintained libseccomp binding for Node, and the program is small enough to read: check
 * the architecture, refuse foreign ABIs (i386 and x32 on x86-64, which have other numbers),
 * refuse the listed calls with EPERM, refuse `clone` with CLONE_NEWUSER, answer `clone3`
 * with ENOSYS (its flags sit behind a pointer a filter cannot read; libc falls back to
 * `clone`), allow everything else. The gVisor runtime gets the same list by name in its OCI
 * config (`ociSeccomp`).
 */

/** Denied outright (EPERM), by name; numbers per architecture below. */
export const DENIED_SYSCALLS = [
  'io_uring_setup', 'io_uring_enter', 'io_uring_register',
  'keyctl', 'add_key', 'request_key',
  'unshare', 'setns',
  'mount', 'umount2', 'pivot_root', 'chroot', 'open_tree', 'move_mount', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr',
  'ptrace', 'process_vm_readv', 'process_vm_writev',
  'perf_event_open', 'bpf', 'userfaultfd', 'fanotify_init', 'lookup_dcookie',
  'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module',
  'open_by_handle_at', 'name_to_handle_at',
  'syslog', 'acct', 'swapon', 'swapoff', 'reboot', 'quotactl', 'vhangup',
  'settimeofday', 'clock_settime', 'adjtimex', 'clock_adjtime',
  // Anonymous shared memory outside every tmpfs cap (a memfd written and kept open is in no mapping).
  'memfd_create',
] as const;

type SyscallName = (typeof DENIED_SYSCALLS)[number] | 'clone' | 'clone3';

interface Arch {
  audit: number;
  /** Numbers at or above this belong to another ABI on the same machine (x32). */
  foreignFrom?: number;
  numbers: Record<SyscallName, number>;
}

// From the kernel's uapi headers: asm/unistd_64.h (x86-64) and asm-generic/unistd.h (arm64).
const ARCHES: Record<string, Arch> = {
  x64: {
    audit: 0xc000003e,
    foreignFrom: 0x40000000,
    numbers: {
      io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, keyctl: 250, add_key: 248, request_key: 249, unshare: 272, setns: 308,
      mount: 165, umount2: 166, pivot_root: 155, chroot: 161, open_tree: 428, move_mount: 429, fsopen: 430, fsconfig: 431, fsmount: 432, fspick: 433,
      mount_setattr: 442, ptrace: 101, process_vm_readv: 310, process_vm_writev: 311, perf_event_open: 298, bpf: 321, userfaultfd: 323,
      fanotify_init: 300, lookup_dcookie: 212, kexec_load: 246, kexec_file_load: 320, init_module: 175, finit_module: 313, delete_module: 176,
      open_by_handle_at: 304, name_to_handle_at: 303, syslog: 103, acct: 163, swapon: 167, swapoff: 168, reboot: 169, quotactl: 179, vhangup: 153,
      settimeofday: 164, clock_settime: 227, adjtimex: 159, clock_adjtime: 305, memfd_create: 319, clone: 56, clone3: 435,
    },
  },
  arm64: {
    audit: 0xc00000b7,
    numbers: {
      io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, keyctl: 219, add_key: 217, request_key: 218, unshare: 97, setns: 268,
      mount: 40, umount2: 39, pivot_root: 41, chroot: 51, open_tree: 428, move_mount: 429, fsopen: 430, fsconfig: 431, fsmount: 432, fspick: 433,
      mount_setattr: 442, ptrace: 117, process_vm_readv: 270, process_vm_writev: 271, perf_event_open: 241, bpf: 280, userfaultfd: 282,
      fanotify_init: 262, lookup_dcookie: 18, kexec_load: 104, kexec_file_load: 294, init_module: 105, finit_module: 273, delete_module: 106,
      open_by_handle_at: 265, name_to_handle_at: 264, syslog: 116, acct: 89, swapon: 224, swapoff: 225, reboot: 142, quotactl: 60, vhangup: 58,
      settimeofday: 170, clock_settime: 112, adjtimex: 171, clock_adjtime: 266, memfd_create: 279, clone: 220, clone3: 435,
    },
  },
};

const CLONE_NEWUSER = 0x10000000;
const EPERM = 1;
const ENOSYS = 38;

// Classic BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const retErrno = (errno: number) => 0x00050000 | errno;

// Offsets into struct seccomp_data: nr, arch, instruction_pointer, args[6] (little-endian).
const NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;

/** Whether this machine's architecture has a filter (x86-64, arm64). */
export function seccompSupported(arch: string = process.arch): boolean {
  return arch in ARCHES;
}

/** The filter as bytes of `struct sock_filter`, ready for bubblewrap's `--seccomp FD`. */
export function seccompProgram(arch: string = process.arch): Buffer {
  const target = ARCHES[arch];
  if (!target) throw new Error(`no seccomp filter for the ${arch} architecture`);
  type Insn = { code: number; jt?: string | number; jf?: string | number; k: number; label?: string };
  const program: Insn[] = [
    { code: LD_W_ABS, k: ARCH },
    { code: JEQ_K, k: target.audit, jt: 0, jf: 'deny' },
    { code: LD_W_ABS, k: NR },
    ...(target.foreignFrom ? [{ code: JGE_K, k: target.foreignFrom, jt: 'deny', jf: 0 }] : []),
    ...DENIED_SYSCALLS.map((name) => ({ code: JEQ_K, k: target.numbers[name], jt: 'deny', jf: 0 })),
    { code: JEQ_K, k: target.numbers.clone3, jt: 'nosys', jf: 0 },
    { code: JEQ_K, k: target.numbers.clone, jt: 0, jf: 'allow' },
    { code: LD_W_ABS, k: ARG0_LOW },
    { code: JSET_K, k: CLONE_NEWUSER, jt: 'deny', jf: 'allow' },
    { code: RET_K, k: RET_ALLOW, label: 'allow' },
    { code: RET_K, k: retErrno(EPERM), label: 'deny' },
    { code: RET_K, k: retErrno(ENOSYS), label: 'nosys' },
  ];
  const at = new Map(program.flatMap((insn, index) => (insn.label ? [[insn.label, index] as const] : [])));
  const offset = (from: number, to: string | number | undefined): number => {
    if (to === undefined || typeof to === 'number') return to ?? 0;
    const jump = at.get(to)! - from - 1;
    if (jump < 0 || jump > 255) throw new Error(`seccomp jump to ${to} out of range`);
    return jump;
  };
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach((insn, index) => {
    bytes.writeUInt16LE(insn.code, index * 8);
    bytes.writeUInt8(offset(index, insn.jt), index * 8 + 2);
    bytes.writeUInt8(offset(index, insn.jf), index * 8 + 3);
    bytes.writeUInt32LE(insn.k >>> 0, index * 8 + 4);
  });
  return bytes;
}

/**
 * The same policy in the OCI runtime spec's `linux.seccomp` form, for runsc. Without the
 * clone3 rule: gVisor serves clone3 itself, and an ENOSYS from the filter there stops node
 * from starting threads (runsc 2022-12).
 */
export function ociSeccomp(): Record<string, unknown> {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
    syscalls: [
      { names: [...DENIED_SYSCALLS], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      { names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 0, value: CLONE_NEWUSER, valueTwo: CLONE_NEWUSER, op: 'SCMP_CMP_MASKED_EQ' }] },
    ],
  };
}
