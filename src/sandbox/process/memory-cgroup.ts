import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from '../../core/process-alive.js';

/**
 * A memory cgroup per job: the one limit that covers everything a guest can make the kernel
 * hold for it — heap, shared and anonymous mappings, tmpfs and /dev/shm pages, page cache —
 * and that kills every process of the job at once. cgroup v2 (`memory.max`) where umca's own
 * cgroup delegates the memory controller, else cgroup v1 (`memory.limit_in_bytes`). Where
 * neither is writable (an unprivileged umca without delegation), `MemoryCgroups.detect()`
 * finds none and the lane falls back to RLIMIT_AS (docs/security.md says what that bounds).
 */
export class MemoryCgroups {
  private constructor(
    readonly version: 1 | 2,
    readonly parent: string,
  ) {}

  /** The cgroup hierarchy umca may create job cgroups in, or undefined. */
  static detect(procSelfCgroup = '/proc/self/cgroup', root = '/sys/fs/cgroup'): MemoryCgroups | undefined {
    let lines: string[];
    try {
      lines = readFileSync(procSelfCgroup, 'utf8').trim().split('\n');
    } catch {
      return undefined;
    }
    const v1 = lines.map((line) => line.split(':')).find(([, controllers]) => controllers?.split(',').includes('memory'));
    const candidates: Array<{ version: 1 | 2; dir: string }> = [];
    const v2 = lines.find((line) => line.startsWith('0::'));
    if (v2 !== undefined) {
      const own = join(root, v2.slice(3));
      // Job cgroups go under a cgroup whose subtree already has the memory controller (the
      // root of a container, or a cgroup delegated to umca, e.g. systemd's Delegate=).
      for (const dir of [own, root]) if (readSubtree(dir)?.includes('memory')) candidates.push({ version: 2, dir });
    }
    if (v1) for (const dir of [join(root, 'memory', v1[2] ?? '/'), join(root, 'memory')]) candidates.push({ version: 1, dir });
    for (const { version, dir } of candidates) {
      const control = version === 2 ? 'cgroup.subtree_control' : 'memory.limit_in_bytes';
      if (!existsSync(join(dir, control))) continue;
      try {
        accessSync(dir, constants.W_OK);
        return new MemoryCgroups(version, dir);
      } catch {
        // not writable for this user: try the next
      }
    }
    return undefined;
  }

  /**
   * Removes job cgroups a umca killed mid-job left behind. A job cgroup's name carries the pid
   * of the umca that made it, and only those whose maker is gone are touched: another live
   * umca's cgroup is empty for a moment between mkdir and its guest joining, and removing it
   * then would fail that job. Of those, only empty ones go (the kernel refuses rmdir on a
   * cgroup that still has processes). Returns how many.
   */
  sweep(): number {
    let removed = 0;
    let names: string[] = [];
    try {
      names = readdirSync(this.parent).filter((name) => name.startsWith('umca-job-'));
    } catch {
      return 0;
    }
    for (const name of names) {
      const maker = /^umca-job-(\d+)-/.exec(name)?.[1];
      if (maker === undefined || isAlive(Number(maker))) continue;
      try {
        rmdirSync(join(this.parent, name));
        removed += 1;
      } catch {
        // in use, or already gone
      }
    }
    return removed;
  }

  /** A new cgroup for one job, limited to `bytes` with no swap. */
  async create(bytes: number): Promise<JobCgroup> {
    const dir = join(this.parent, `umca-job-${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(dir);
    const cgroup = new JobCgroup(this.version, dir);
    try {
      if (this.version === 2) {
        await writeFile(join(dir, 'memory.max'), String(bytes));
        if (existsSync(join(dir, 'memory.swap.max'))) await writeFile(join(dir, 'memory.swap.max'), '0');
      } else {
        await writeFile(join(dir, 'memory.limit_in_bytes'), String(bytes));
        if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), String(bytes));
      }
    } catch (error) {
      await cgroup.remove();
      throw error;
    }
    return cgroup;
  }
}

/** One job's cgroup: the guest's processes join it before they exec anything. */
export class JobCgroup {
  constructor(
    readonly version: 1 | 2,
    readonly dir: string,
  ) {}

  /** The file a process writes its pid to in order to join. */
  get procsFile(): string {
    return join(this.dir, 'cgroup.procs');
  }

  /** Whether the kernel's OOM killer struck inside this cgroup. */
  async oomKilled(): Promise<boolean> {
    const file = this.version === 2 ? 'memory.events' : 'memory.oom_control';
    const text = await readFile(join(this.dir, file), 'utf8').catch(() => '');
    const count = /^oom_kill (\d+)$/m.exec(text)?.[1];
    if (count !== undefined) return Number(count) > 0;
    const failures = await readFile(join(this.dir, 'memory.failcnt'), 'utf8').catch(() => '0');
    return Number(failures) > 0;
  }

  /** The highest memory use the kernel saw, when it keeps it. */
  async peakBytes(): Promise<number | undefined> {
    const text = await readFile(join(this.dir, this.version === 2 ? 'memory.peak' : 'memory.max_usage_in_bytes'), 'utf8').catch(() => undefined);
    const value = Number(text);
    return text !== undefined && Number.isFinite(value) ? value : undefined;
  }

  /** SIGKILLs every process left in the cgroup (v2: cgroup.kill; v1: each pid). */
  async killAll(): Promise<void> {
    if (this.version === 2 && existsSync(join(this.dir, 'cgroup.kill'))) {
      await writeFile(join(this.dir, 'cgroup.kill'), '1').catch(() => undefined);
      return;
    }
    for (let round = 0; round < 20; round++) {
      const pids = (await readFile(this.procsFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Removes the cgroup once its processes are gone; retries briefly while the kernel reaps them. */
  async remove(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      try {
        await rmdir(this.dir);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        if (round === 0) await this.killAll();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}

function readSubtree(dir: string): string[] | undefined {
  try {
    return readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8').trim().split(/\s+/);
  } catch {
    return undefined;
  }
}

