import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hostPrefix, SYSTEM_DIRS } from './bwrap-command.js';
import type { SandboxSpec } from './sandbox-spec.js';
import { ociSeccomp } from './seccomp-filter.js';

/** A gVisor sandbox ready to start: its argv and what `runsc delete` needs afterwards. */
export interface RunscJob {
  argv: string[];
  /** runsc's state dir and the container's id, to force-delete what a kill leaves behind. */
  state: string;
  id: string;
}

/**
 * The same sandbox as bwrapArgv, under gVisor: the guest's system calls go to gVisor's
 * user-space kernel (the Sentry), not the host's, which is the plan's VM-grade rung. Written
 * as an OCI bundle (the runtime spec every container runtime reads) in `bundleDir`: a
 * read-only root of mount points only, system dirs bound read-only, size-capped tmpfs for
 * everything writable, no network, no capabilities, no new privileges, rlimits and the same
 * seccomp deny-list applied inside the sandbox. `runsc --rootless` needs no root.
 */
export async function runscJob(spec: SandboxSpec, bundleDir: string, options: { uid?: number; hostSockets: boolean }): Promise<RunscJob> {
  const rootfs = join(bundleDir, 'rootfs');
  const state = join(bundleDir, 'state');
  await mkdir(rootfs, { recursive: true, mode: 0o755 });
  await mkdir(state, { mode: 0o700 });
  if (options.uid !== undefined) await chown(state, options.uid, options.uid);

  const mounts: Array<Record<string, unknown>> = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
  ];
  const mountPoint = async (target: string, kind: 'dir' | 'file') => {
    const path = join(rootfs, target);
    if (existsSync(path)) return;
    await mkdir(kind === 'dir' ? path : dirname(path), { recursive: true });
    if (kind === 'file') await writeFile(path, '');
  };
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) {
      await symlink(readlinkSync(dir), join(rootfs, dir));
      continue;
    }
    await mountPoint(dir, 'dir');
    mounts.push({ destination: dir, type: 'bind', source: dir, options: ['rbind', 'ro'] });
  }
  for (const mount of spec.readOnly ?? []) {
    const target = mount.target ?? mount.source;
    await mountPoint(target, 'dir');
    mounts.push({ destination: target, type: 'bind', source: mount.source, options: ['rbind', 'ro'] });
  }
  for (const path of spec.hide ?? []) {
    if (SYSTEM_DIRS.some((dir) => path.startsWith(`${dir}/`)) && existsSync(path)) mounts.push({ destination: path, type: 'tmpfs', source: 'tmpfs', options: ['size=4096'] });
  }
  for (const mount of spec.tmpfs ?? []) {
    await mountPoint(mount.target, 'dir');
    mounts.push({ destination: mount.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', `size=${mount.bytes}`, 'mode=1777'] });
  }
  for (const mount of spec.readWrite ?? []) {
    await mountPoint(mount.target, 'dir');
    mounts.push({ destination: mount.target, type: 'bind', source: mount.source, options: ['rbind', 'rw'] });
  }
  for (const file of spec.writableFiles ?? []) {
    await mountPoint(file.target, 'file');
    mounts.push({ destination: file.target, type: 'bind', source: file.source, options: ['bind', 'rw'] });
  }

  const { rlimits } = spec;
  const limit = (type: string, value: number) => ({ type, hard: value, soft: value });
  const config = {
    ociVersion: '1.0.2',
    hostname: 'sandbox',
    root: { path: rootfs, readonly: true },
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: spec.command,
      env: Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
      cwd: spec.cwd ?? '/work',
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      noNewPrivileges: true,
      rlimits: [
        limit('RLIMIT_CPU', rlimits.cpuSeconds),
        limit('RLIMIT_DATA', rlimits.dataBytes),
        ...(rlimits.addressBytes !== undefined ? [limit('RLIMIT_AS', rlimits.addressBytes)] : []),
        limit('RLIMIT_FSIZE', rlimits.fileBytes),
        limit('RLIMIT_NOFILE', rlimits.openFiles),
        limit('RLIMIT_NPROC', rlimits.processes),
        limit('RLIMIT_CORE', 0),
      ],
    },
    mounts,
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      ...(spec.seccomp ? { seccomp: ociSeccomp() } : {}),
    },
  };
  await writeFile(join(bundleDir, 'config.json'), JSON.stringify(config));

  const id = `umca-${randomBytes(8).toString('hex')}`;
  const argv = [
    ...hostPrefix({ ...spec, ...(options.uid !== undefined ? { uid: options.uid } : {}) }),
    // Dies with umca, as bubblewrap's --die-with-parent: the runsc client takes its Sentry and gofer with it.
    'setpriv',
    '--pdeathsig',
    'KILL',
    '--',
    'runsc',
    '--rootless',
    '--network=none',
    ...(spec.seccomp ? ['--oci-seccomp'] : []),
    // Egress reaches umca's proxy over a Unix socket bound in read-only; nothing else is open.
    ...(options.hostSockets ? ['--host-uds=open'] : []),
    '--root',
    state,
    'run',
    '--bundle',
    bundleDir,
    id,
  ];
  return { argv, state, id };
}

/** Removes a container a kill left behind (its Sentry and gofer may outlive the runsc client). */
export function forceDelete(job: RunscJob, uid?: number): void {
  const argv = [...hostPrefix(uid === undefined ? {} : { uid }), 'runsc', '--rootless', '--root', job.state, 'delete', '--force', job.id];
  spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 10_000 });
}

/** Whether gVisor's runsc can start a sandbox here; names what is missing. */
export function checkRunsc(): { ok: boolean; problem?: string } {
  const probe = spawnSync('runsc', ['--version'], { stdio: 'pipe', timeout: 5_000 });
  if (probe.error) return { ok: false, problem: 'gVisor (`runsc`) is not installed; on Debian: apt-get install runsc' };
  if (probe.status !== 0) return { ok: false, problem: `runsc does not run here: ${probe.stderr.toString().trim()}` };
  return { ok: true };
}
