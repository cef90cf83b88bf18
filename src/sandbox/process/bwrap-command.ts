import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';

export interface BwrapSpec {
  /** Host directory mounted read-write at /work, the guest's cwd and HOME. */
  workDir: string;
  /** Host directory mounted read-write at /tmp (on disk, so RLIMIT_FSIZE applies, not RAM). */
  tmpDir: string;
  /** Host directories mounted read-only, at the same path or at `target`. */
  readOnly?: Array<{ source: string; target?: string }>;
  /** Host directories mounted read-write at `target`. */
  readWrite?: Array<{ source: string; target: string }>;
  /** Host paths to cover with an empty tmpfs when they lie inside a mounted system dir (e.g. UMCA_HOME under /opt). */
  hide?: readonly string[];
  /** The guest's whole environment; nothing is inherited. */
  env: Record<string, string>;
  /** Dropped uid/gid, when umca is root. */
  uid?: number;
  rlimits: {
    cpuSeconds: number;
    dataBytes: number;
    fileBytes: number;
    /** Processes and threads of the guest's uid; applied only with a dropped uid. */
    processes: number;
    openFiles: number;
  };
  command: string[];
}

/** System directories every guest sees, read-only. /root, /home and the rest of the host are absent. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'];

/**
 * The argv that runs `command` under bubblewrap: read-only system dirs, a private work dir,
 * fresh /proc and /dev, every namespace new (user, pid, ipc, uts, net, cgroup), killed
 * with its parent, in its own session, with only the given environment and with rlimits.
 */
export function bwrapArgv(spec: BwrapSpec): string[] {
  const argv: string[] = [];
  if (spec.uid !== undefined) argv.push('setpriv', `--reuid=${spec.uid}`, `--regid=${spec.uid}`, '--clear-groups', '--');
  argv.push(
    'prlimit',
    `--cpu=${spec.rlimits.cpuSeconds}`,
    `--data=${spec.rlimits.dataBytes}`,
    `--fsize=${spec.rlimits.fileBytes}`,
    `--nofile=${spec.rlimits.openFiles}`,
    '--core=0',
    ...(spec.uid !== undefined ? [`--nproc=${spec.rlimits.processes}`] : []),
    '--',
    'bwrap',
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
    '--clearenv',
  );
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) argv.push('--symlink', readlinkSync(dir), dir);
    else argv.push('--ro-bind', dir, dir);
  }
  for (const mount of spec.readOnly ?? []) argv.push('--ro-bind', mount.source, mount.target ?? mount.source);
  for (const path of spec.hide ?? []) {
    if (SYSTEM_DIRS.some((dir) => path === dir || path.startsWith(`${dir}/`)) && existsSync(path)) argv.push('--tmpfs', path);
  }
  argv.push('--bind', spec.workDir, '/work', '--bind', spec.tmpDir, '/tmp');
  for (const mount of spec.readWrite ?? []) argv.push('--bind', mount.source, mount.target);
  argv.push('--dev', '/dev', '--proc', '/proc', '--chdir', '/work');
  for (const [name, value] of Object.entries(spec.env)) argv.push('--setenv', name, value);
  argv.push('--', ...spec.command);
  return argv;
}

/** Directories outside SYSTEM_DIRS that the node binary needs (e.g. an nvm install). */
export function nodeInstallMounts(execPath = process.execPath): Array<{ source: string }> {
  const prefix = dirname(dirname(execPath));
  return SYSTEM_DIRS.some((dir) => prefix === dir || prefix.startsWith(`${dir}/`) || dir.startsWith(`${prefix}/`) || prefix === '/') ? [] : [{ source: prefix }];
}
