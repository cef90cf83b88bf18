import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UmcaError } from '../core/errors.js';
import { extract } from 'tar';

/** What installs a repository's npm dependencies: from its lockfile exactly, running no package's scripts. */
export const NPM_INSTALL = 'npm ci --ignore-scripts --no-audit --no-fund --loglevel=error';
const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];

export interface NpmDependencies {
  /** The layer's key: the lockfile, package.json and the install command, hashed. */
  key: string;
  /** The files the install needs (package.json and its lockfile). */
  files: Record<string, string>;
  /** Hosts the lockfile's packages come from (`resolved` URLs), as egress grants name them (`host:443`). */
  hosts: string[];
}

/**
 * A repository's npm dependencies, when it has a lockfile that locks any: what to install,
 * and from where. A repository that commits its node_modules needs none.
 */
export function npmDependencies(files: Readonly<Record<string, string | undefined>>, paths: readonly string[]): NpmDependencies | undefined {
  const manifest = files['package.json'];
  const lockfile = LOCKFILES.find((name) => files[name] !== undefined);
  if (manifest === undefined || lockfile === undefined || paths.some((path) => path.startsWith('node_modules/'))) return undefined;
  let lock: { packages?: Record<string, { resolved?: unknown }>; dependencies?: Record<string, { resolved?: unknown }> };
  try {
    lock = JSON.parse(files[lockfile]!) as typeof lock;
  } catch {
    return undefined;
  }
  const entries = Object.entries(lock.packages ?? lock.dependencies ?? {}).filter(([name]) => name !== '');
  if (entries.length === 0) return undefined;
  const hosts = new Set<string>();
  for (const [, entry] of entries) {
    if (typeof entry.resolved !== 'string') continue;
    try {
      const url = new URL(entry.resolved);
      hosts.add(`${url.hostname}:${url.port || (url.protocol === 'http:' ? 80 : 443)}`);
    } catch {
      // A resolved path (a local or git dependency) is not fetched from a registry.
    }
  }
  const key = createHash('sha256').update(NPM_INSTALL).update('\0').update(manifest).update('\0').update(files[lockfile]!).digest('hex').slice(0, 32);
  return { key, files: { 'package.json': manifest, [lockfile]: files[lockfile]! }, hosts: [...hosts].sort() };
}

/**
 * Installed dependencies kept on the host, one directory per key under the layers dir,
 * made from the archive of a sandboxed install and shared read-only by every run whose
 * lockfile has that key. Made whole or not at all (a rename); only regular files, directories
 * and links within the layer's node_modules are taken from the archive, which a sandbox made.
 */
export class DependencyLayers {
  readonly #root: string;
  #checked = false;

  /**
   * `root`: where layers are kept. Default: a dir of this user's under the system's temp dir —
   * not UMCA_HOME, which sandboxes never see (its mode keeps their uid out, and it is hidden),
   * while a layer is bound into them read-only. It must be this user's and writable by no other.
   */
  constructor(root = join(tmpdir(), `umca-layers-${process.getuid?.() ?? 'user'}`)) {
    this.#root = root;
  }

  async #ready(): Promise<void> {
    if (this.#checked) return;
    await mkdir(this.#root, { recursive: true, mode: 0o755 });
    const info = await lstat(this.#root);
    const uid = process.getuid?.();
    if (!info.isDirectory() || info.isSymbolicLink() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0)
      throw new UmcaError('layers_unsafe', `${this.#root} is not a directory of this user's that only it may write; remove it, and umca makes it again`, { status: 500 });
    await chmod(this.#root, 0o755);
    this.#checked = true;
  }

  /** The layer's node_modules, or undefined when it is not made yet. */
  find(key: string): string | undefined {
    const dir = join(this.#dir(key), 'node_modules');
    return existsSync(dir) ? dir : undefined;
  }

  /** A path for the install job to leave its archive in. */
  async archivePath(key: string): Promise<string> {
    await this.#ready();
    return join(this.#root, `${key}.${randomBytes(4).toString('hex')}.tar`);
  }

  /** Makes the layer from an install's archive; its node_modules, or undefined when the archive held none. */
  async make(key: string, archive: string, maxBytes: number): Promise<string | undefined> {
    await this.#ready();
    const partial = `${this.#dir(key)}.${randomBytes(4).toString('hex')}.partial`;
    try {
      await mkdir(partial, { mode: 0o755 });
      let bytes = 0;
      await extract({
        file: archive,
        cwd: partial,
        strict: false,
        preservePaths: false,
        // The guest's uid is not the host's business.
        preserveOwner: false,
        maxMetaEntrySize: 64 * 1024,
        filter: (path, entry) => {
          const relative = path.replace(/^\.\//, '');
          const kind = (entry as { type?: string }).type;
          if (!(relative === 'node_modules' || relative.startsWith('node_modules/'))) return false;
          if (kind !== 'File' && kind !== 'Directory' && kind !== 'SymbolicLink') return false;
          bytes += (entry as { size?: number }).size ?? 0;
          return bytes <= maxBytes;
        },
      });
      if (!existsSync(join(partial, 'node_modules'))) return undefined;
      // Readable by the sandbox's own uid: it sees the layer read-only, never writes it.
      await chmodTree(partial);
      await rename(partial, this.#dir(key)).catch(async (error: NodeJS.ErrnoException) => {
        // Another run made the same layer meanwhile.
        if (!existsSync(this.#dir(key))) throw error;
      });
      return join(this.#dir(key), 'node_modules');
    } finally {
      await rm(partial, { recursive: true, force: true });
      await rm(archive, { force: true });
    }
  }

  #dir(key: string): string {
    if (!/^[0-9a-f]{32}$/.test(key)) throw new Error(`not a layer key: ${key}`);
    return join(this.#root, key);
  }
}

/** Directories 0755 and files 0644 (0755 where executable), links left as they are. */
async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) await chmodTree(path);
    else if (entry.isFile()) await chmod(path, ((await lstat(path)).mode & 0o111) !== 0 ? 0o755 : 0o644);
  }
}
