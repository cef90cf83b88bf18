import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import type { SandboxArtifact } from './sandbox-lane.js';

/** Artifacts collected at most, and the largest one returned with its content. */
export const MAX_ARTIFACTS = 200;
export const MAX_INLINE_BYTES = 256 * 1024;

/** Refuses job paths that would land outside the work dir. */
export function checkJobPath(path: string): string | undefined {
  if (path.length === 0 || path.includes('\0')) return `file path ${JSON.stringify(path)} is empty or contains NUL`;
  if (path.startsWith('/') || path.includes('\\')) return `file path "${path}" must be relative and use "/"`;
  if (posix.normalize(path) !== path || path.split('/').some((part) => part === '..' || part === '.'))
    return `file path "${path}" must be normalised and stay inside the work dir`;
  return undefined;
}

/**
 * One job's private directory tree: `work/` (the job's files, the guest's cwd), `tmp/`,
 * `out/` (what in-sandbox runners report) and `build/` (what the host prepared), owned by
 * the uid the guest runs as. The root only lets others pass through, never list.
 */
export class WorkDir {
  private constructor(
    readonly root: string,
    readonly inputs: ReadonlyMap<string, string>,
  ) {}

  get path(): string {
    return join(this.root, 'work');
  }

  get tmp(): string {
    return join(this.root, 'tmp');
  }

  get out(): string {
    return join(this.root, 'out');
  }

  get build(): string {
    return join(this.root, 'build');
  }

  /** Writes the job's files; returns an error line for a path that escapes. */
  static async create(files: Record<string, string>, owner?: { uid: number; gid: number }, parent = tmpdir()): Promise<WorkDir | { error: string }> {
    for (const path of Object.keys(files)) {
      const problem = checkJobPath(path);
      if (problem) return { error: problem };
    }
    const root = await mkdtemp(join(parent, 'umca-job-'));
    await chmod(root, 0o711);
    const dir = new WorkDir(root, new Map());
    for (const sub of [dir.path, dir.tmp, dir.out, dir.build]) await mkdir(sub, { mode: 0o755 });
    if (owner) for (const sub of [dir.tmp, dir.out]) await chown(sub, owner.uid, owner.gid);
    await dir.write(files, owner);
    return dir;
  }

  /** Adds the job's files to the work dir (paths already checked). */
  async write(files: Record<string, string>, owner?: { uid: number; gid: number }): Promise<void> {
    this.record(files);
    for (const [path, content] of Object.entries(files)) {
      const target = join(this.path, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    if (owner) await chownTree(this.path, owner.uid, owner.gid);
  }

  /** Notes the job's files as inputs (not artifacts) when the guest side writes them itself. */
  record(files: Record<string, string>): void {
    const inputs = this.inputs as Map<string, string>;
    for (const [path, content] of Object.entries(files)) inputs.set(path, sha256(Buffer.from(content)));
  }

  /**
   * Regular files the guest created or changed; links and special files are skipped. The walk
   * and small reads are synchronous: a few system calls, cheaper than thread-pool round trips.
   */
  async artifacts(): Promise<SandboxArtifact[]> {
    const found: SandboxArtifact[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (found.length >= MAX_ARTIFACTS) return;
        const full = join(dir, entry.name);
        const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(full, relative);
        else if (entry.isFile()) {
          const info = lstatSync(full);
          const bytes = info.size <= MAX_INLINE_BYTES ? readFileSync(full) : undefined;
          const digest = bytes ? sha256(bytes) : await sha256File(full);
          if (this.inputs.get(relative) === digest) continue;
          found.push({ path: relative, size: info.size, sha256: digest, ...(bytes ? { content: bytes.toString('utf8') } : {}) });
        }
      }
    };
    await walk(this.path, '').catch(() => undefined);
    return found;
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true }).catch(() => undefined);
  }
}

export async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid, gid);
    else await chown(full, uid, gid);
  }
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
