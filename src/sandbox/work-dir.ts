import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';

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
 * One process-lane job's private directory tree on the host: `work/` (the job's files,
 * mounted read-only and copied into the sandbox's own /work), `out/` (the capped result
 * files the sandbox may write) and `build/` (what the host prepared), owned by the uid the
 * guest runs as. The root only lets others pass through, never list.
 */
export class WorkDir {
  private constructor(
    readonly root: string,
    readonly inputs: ReadonlyMap<string, string>,
  ) {}

  get path(): string {
    return join(this.root, 'work');
  }

  get out(): string {
    return join(this.root, 'out');
  }

  get build(): string {
    return join(this.root, 'build');
  }

  /** Writes the job's files; returns an error line for a path that escapes. */
  static async create(files: Record<string, string | Uint8Array>, owner?: { uid: number; gid: number }, parent = tmpdir()): Promise<WorkDir | { error: string }> {
    for (const path of Object.keys(files)) {
      const problem = checkJobPath(path);
      if (problem) return { error: problem };
    }
    const root = await mkdtemp(join(parent, 'umca-job-'));
    await chmod(root, 0o711);
    const dir = new WorkDir(root, new Map());
    for (const sub of [dir.path, dir.out, dir.build]) await mkdir(sub, { mode: 0o755 });
    if (owner) await chown(dir.out, owner.uid, owner.gid);
    await dir.write(files, owner);
    return dir;
  }

  /** Adds the job's files to the work dir (paths already checked). */
  async write(files: Record<string, string | Uint8Array>, owner?: { uid: number; gid: number }): Promise<void> {
    this.record(files);
    for (const [path, content] of Object.entries(files)) {
      const target = join(this.path, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    if (owner) await chownTree(this.path, owner.uid, owner.gid);
  }

  /** Notes the job's files as inputs, so an unchanged one is no artifact. */
  record(files: Record<string, string | Uint8Array>): void {
    const inputs = this.inputs as Map<string, string>;
    for (const [path, content] of Object.entries(files)) inputs.set(path, sha256(Buffer.from(content)));
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
