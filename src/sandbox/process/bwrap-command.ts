import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SandboxSpec } from './sandbox-spec.js';

/** System directories every guest sees, read-only. /root, /home and the rest of the host are absent. */
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'];

/**
 * The argv that runs `command` under bubblewrap: read-only system dirs, a read-only root,
 * size-capped tmpfs for everything writable, fresh /proc and /dev, every namespace new (user,
 * pid, ipc, uts, net, cgroup) and no further user namespaces, a seccomp filter, killed with
 * its parent, in its own session, with only the given environment and with rlimits.
 */
export function bwrapArgv(spec: SandboxSpec, seccompFd?: number): string[] {
  const argv = hostPrefix(spec);
  argv.push(
    'prlimit',
    `--cpu=${spec.rlimits.cpuSeconds}`,
    `--data=${spec.rlimits.dataBytes}`,
    ...(spec.rlimits.addressBytes !== undefined ? [`--as=${spec.rlimits.addressBytes}`] : []),
    `--fsize=${spec.rlimits.fileBytes}`,
    `--nofile=${spec.rlimits.openFiles}`,
    '--core=0',
    ...(spec.uid !== undefined ? [`--nproc=${spec.rlimits.processes}`] : []),
    '--',
    'bwrap',
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
    '--clearenv',
  );
  if (spec.seccomp && seccompFd !== undefined) argv.push('--seccomp', String(seccompFd));
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) argv.push('--symlink', readlinkSync(dir), dir);
    else argv.push('--ro-bind', dir, dir);
  }
  for (const mount of spec.readOnly ?? []) argv.push('--ro-bind', mount.source, mount.target ?? mount.source);
  for (const path of spec.hide ?? []) {
    if (SYSTEM_DIRS.some((dir) => path === dir || path.startsWith(`${dir}/`)) && existsSync(path)) argv.push('--tmpfs', path);
  }
  argv.push('--dev', '/dev', '--proc', '/proc');
  for (const mount of spec.tmpfs ?? []) argv.push('--size', String(mount.bytes), '--tmpfs', mount.target);
  const dirs = new Set((spec.inputFiles ?? []).flatMap(({ target }) => parents(target)));
  for (const dir of [...dirs].sort()) argv.push('--dir', dir);
  for (const file of spec.inputFiles ?? []) argv.push('--perms', '0644', '--file', String(file.fd), file.target);
  for (const mount of spec.readWrite ?? []) argv.push('--bind', mount.source, mount.target);
  for (const file of spec.writableFiles ?? []) argv.push('--bind', file.source, file.target);
  argv.push('--remount-ro', '/', '--chdir', spec.cwd ?? '/work');
  for (const [name, value] of Object.entries(spec.env)) argv.push('--setenv', name, value);
  argv.push('--', ...spec.command);
  return argv;
}

/** The directories above `path` below its top-level mount (`/work/a/b/c.py` → `/work/a`, `/work/a/b`). */
function parents(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.slice(1, -1).map((_, index) => `/${parts.slice(0, index + 2).join('/')}`);
}

/**
 * What runs on the host before the sandbox itself: joining the job's memory cgroup (so every
 * process after it is counted) and dropping to the job's uid when umca is root.
 */
export function hostPrefix(spec: Pick<SandboxSpec, 'cgroupProcs' | 'uid'>): string[] {
  const argv: string[] = [];
  if (spec.cgroupProcs) argv.push('/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', spec.cgroupProcs);
  if (spec.uid !== undefined) argv.push('setpriv', `--reuid=${spec.uid}`, `--regid=${spec.uid}`, '--clear-groups', '--');
  return argv;
}

/** Directories outside SYSTEM_DIRS that the node binary needs (e.g. an nvm install). */
export function nodeInstallMounts(execPath = process.execPath): Array<{ source: string }> {
  const prefix = dirname(dirname(execPath));
  return SYSTEM_DIRS.some((dir) => prefix === dir || prefix.startsWith(`${dir}/`) || dir.startsWith(`${prefix}/`) || prefix === '/') ? [] : [{ source: prefix }];
}
