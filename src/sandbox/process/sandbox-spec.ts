/**
 * One sandbox, said once for every runtime that makes it (bubblewrap: bwrap-command.ts,
 * gVisor: runsc-command.ts): what the guest sees read-only, the only places it may write,
 * its environment, identity, limits and command.
 */
export interface SandboxSpec {
  /** Host directories mounted read-only, at the same path or at `target`. */
  readOnly?: Array<{ source: string; target?: string }>;
  /** Host directories mounted read-write at `target` (wasm-python's pooled work dir only). */
  readWrite?: Array<{ source: string; target: string }>;
  /**
   * Host files (never directories) mounted read-write at `target`: the only host storage a
   * process-lane guest can write to, each capped by RLIMIT_FSIZE. Being mount points, they
   * cannot be replaced by a link or a FIFO from inside.
   */
  writableFiles?: Array<{ source: string; target: string }>;
  /** Size-capped tmpfs mounts: the guest's writable space (/work, /tmp, /dev/shm). */
  tmpfs?: Array<{ target: string; bytes: number }>;
  /**
   * Files the runtime itself writes into a tmpfs before the guest starts, each read from an
   * open file descriptor the host passes (bubblewrap's `--file`): the job's inputs, copied in
   * without a process of their own.
   */
  inputFiles?: Array<{ fd: number; target: string }>;
  /** Host paths to cover with an empty tmpfs when they lie inside a mounted system dir (e.g. UMCA_HOME under /opt). */
  hide?: readonly string[];
  /** The guest's whole environment; nothing is inherited. */
  env: Record<string, string>;
  /** Dropped uid/gid, when umca is root. */
  uid?: number;
  /** Whether the guest runs under umca's seccomp filter (seccomp-filter.ts). */
  seccomp?: boolean;
  /** A cgroup's `cgroup.procs`: the sandbox joins it before anything else runs (memory-cgroup.ts). */
  cgroupProcs?: string;
  /** The guest's working directory. Default /work. */
  cwd?: string;
  rlimits: {
    cpuSeconds: number;
    dataBytes: number;
    /** Address space: the bound on mappings where no memory cgroup is available. */
    addressBytes?: number;
    fileBytes: number;
    /** Processes and threads of the guest's uid; applied only with a dropped uid. */
    processes: number;
    openFiles: number;
  };
  command: string[];
}

