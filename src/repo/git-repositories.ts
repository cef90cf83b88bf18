import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { ConflictError, InvalidRequestError, UmcaError } from '../core/errors.js';
import { isLoopbackAddress, isPrivateAddress, isSensitiveAddress } from '../core/network-addresses.js';
import type { RepoOptions } from '../core/run-options.js';
import type { Changeset } from './changeset.js';
import { DETECTION_PLACES, detectTestCommand } from './detect-test-command.js';
import { git, gitBytes, GitError } from './git.js';
import { repoPathProblem } from './repo-path.js';
import type { BaseEntry, BaseFile, GrepMatch, GrepQuery, Handoff, Repositories, RepositoryRequest, Worktree } from './repositories.js';

export interface GitRepositoriesOptions {
  /** UMCA_HOME: runs' worktrees go in worktrees/, clones of URLs in repos/. */
  home: string;
  /** A repository with more files at its commit is refused (`repo.max_files`). */
  maxFiles: number;
  /** …or with more bytes (`repo.max_mb`). */
  maxBytes: number;
  /** A clone or fetch that takes longer fails (`repo.clone_timeout_ms`). */
  cloneTimeoutMs: number;
  /** Let URLs reach private networks and loopback (`repo.clone_private_networks`); link-local and metadata addresses never. */
  clonePrivateNetworks?: boolean;
  /** Name resolution (tests). Default: the system's, every address. */
  lookup?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

/** A ref a caller may name: a branch, tag, commit or `HEAD~2`; never an option. */
const REF = /^(?!-)[A-Za-z0-9._/@^~{}-]{1,200}$/;
const TEXT = new TextDecoder('utf-8', { fatal: true });
const GREP_TIMEOUT_MS = 10_000;
const GREP_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Repositories through git itself (the `git` on PATH, run without a shell, hooks or
 * fsmonitor). A local repository is used through a worktree of its own per run, detached at
 * the run's commit, under UMCA_HOME: the user's working tree, index and branches are never
 * touched; the one thing added to the repository is the run's branch `umca/<run-id>`. A
 * URL is cloned (bare) once into UMCA_HOME/repos and fetched again by later runs.
 */
export class GitRepositories implements Repositories {
  readonly #options: GitRepositoriesOptions;

  constructor(options: GitRepositoriesOptions) {
    this.#options = options;
  }

  async resolve(request: RepositoryRequest): Promise<RepoOptions> {
    const ref = request.ref ?? 'HEAD';
    if (!REF.test(ref)) throw new InvalidRequestError(`ref: "${ref.slice(0, 100)}" is not a branch, tag or commit name`, 'invalid_request', 'ref');
    const url = remoteUrl(request.source);
    let dir: string;
    let source: string;
    if (url) {
      source = url.href;
      dir = await this.#fetch(url);
    } else {
      source = await topLevel(request.source);
      dir = source;
    }
    const commit = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: dir }).then(
      (out) => out.trim(),
      () => {
        throw new InvalidRequestError(`ref: no branch, tag or commit "${ref}" in ${source}`, 'ref_not_found', 'ref');
      },
    );
    const repo: RepoOptions = { source, kind: url ? 'url' : 'path', ref, commit, testCommand: '' };
    const entries = await this.listBase(repo);
    const bytes = entries.reduce((sum, entry) => sum + entry.size, 0);
    if (entries.length > this.#options.maxFiles) throw new InvalidRequestError(`repo: ${source} has ${entries.length} files at ${ref}, more than repo.max_files (${this.#options.maxFiles})`, 'repo_too_large', 'repo');
    if (bytes > this.#options.maxBytes)
      throw new InvalidRequestError(`repo: ${source} holds ${mib(bytes)} MiB at ${ref}, more than repo.max_mb (${mib(this.#options.maxBytes)})`, 'repo_too_large', 'repo');
    let testCommand = request.testCommand?.trim();
    if (!testCommand) {
      const read = async (path: string) => {
        const file = await this.readBase(repo, path);
        return file && !file.binary ? file.text : undefined;
      };
      const detected = await detectTestCommand(entries.map((e) => e.path), read);
      if (!detected) throw new InvalidRequestError(`test_command: none found in ${source} at ${ref} (looked for ${DETECTION_PLACES}); name one`, 'test_command_not_found', 'test_command');
      testCommand = detected.command;
    }
    const dirty = !url && (await git(['status', '--porcelain', '-z'], { cwd: dir })).length > 0;
    return { ...repo, testCommand, ...(dirty ? { dirty: true } : {}) };
  }

  async listBase(repo: RepoOptions): Promise<BaseEntry[]> {
    const out = await gitBytes(['ls-tree', '-r', '-l', '-z', '--full-tree', repo.commit], { cwd: await this.#repoDir(repo) });
    const entries: BaseEntry[] = [];
    for (const record of out.toString('utf8').split('\0')) {
      const tab = record.indexOf('\t');
      if (tab < 0) continue;
      const [mode, , , size] = record.slice(0, tab).split(/ +/);
      const kind = mode === '120000' ? 'link' : mode === '160000' ? 'submodule' : mode === '100755' ? 'executable' : 'file';
      entries.push({ path: record.slice(tab + 1), kind, size: Number(size) || 0 });
    }
    return entries;
  }

  async readBase(repo: RepoOptions, path: string): Promise<BaseFile | undefined> {
    if (repoPathProblem(path)) return undefined;
    const bytes = await gitBytes(['cat-file', 'blob', `${repo.commit}:${path}`], { cwd: await this.#repoDir(repo) }).catch(() => undefined);
    if (!bytes) return undefined;
    return decodeText(bytes);
  }

  async grep(repo: RepoOptions, query: GrepQuery): Promise<{ matches: GrepMatch[]; truncated: boolean }> {
    const args = ['grep', '-n', '-I', '--no-color', '--full-name', '-z', query.literal ? '-F' : '-E', ...(query.ignoreCase ? ['-i'] : []), '-e', query.pattern, repo.commit, '--', query.glob ? `:(glob)${query.glob}` : '.'];
    let out: string;
    try {
      out = await git(args, { cwd: await this.#repoDir(repo), timeoutMs: GREP_TIMEOUT_MS, maxBytes: GREP_MAX_BYTES });
    } catch (error) {
      if (error instanceof GitError && error.exitCode === 1 && !error.stderr.trim()) return { matches: [], truncated: false };
      if (error instanceof GitError && /maxBuffer|timed out/.test(error.message)) throw new InvalidRequestError('the search matches too much (or takes too long); narrow the pattern or the glob', 'search_too_broad');
      if (error instanceof GitError) throw new InvalidRequestError(`the search failed: ${error.message.replace(/^git \S+ ?\S*: /, '')}`, 'invalid_pattern');
      throw error;
    }
    const matches: GrepMatch[] = [];
    for (const record of out.split('\n')) {
      // `<commit>:<path>\0<line>\0<text>` with -z.
      const [where, line, ...text] = record.split('\0');
      if (!where || line === undefined) continue;
      matches.push({ path: where.slice(repo.commit.length + 1), line: Number(line), text: text.join('\0').slice(0, 500) });
      if (matches.length > query.limit) break;
    }
    return { matches: matches.slice(0, query.limit), truncated: matches.length > query.limit };
  }

  async readBaseMany(repo: RepoOptions, paths: readonly string[]): Promise<Array<{ path: string; file: BaseFile }>> {
    const wanted = paths.filter((path) => !repoPathProblem(path));
    if (wanted.length === 0) return [];
    const cwd = await this.#repoDir(repo);
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' } });
      const chunks: Buffer[] = [];
      let size = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.#options.maxBytes + wanted.length * 128) child.kill('SIGKILL');
        else chunks.push(chunk);
      });
      child.stdin.on('error', () => undefined);
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) return reject(new UmcaError('repo_read_failed', `git cat-file --batch exited with ${code} reading ${cwd}`, { status: 500 }));
        const out = Buffer.concat(chunks);
        const files: Array<{ path: string; file: BaseFile }> = [];
        let at = 0;
        for (const path of wanted) {
          const newline = out.indexOf(10, at);
          if (newline < 0) break;
          const header = out.subarray(at, newline).toString('utf8');
          at = newline + 1;
          // `<oid> <type> <size>` and the object, or `<name> missing` alone.
          const found = /^[0-9a-f]{40,64} (\w+) (\d+)$/.exec(header);
          if (!found) continue;
          const bytes = Number(found[2]);
          if (found[1] === 'blob') files.push({ path, file: decodeText(out.subarray(at, at + bytes)) });
          at += bytes + 1;
        }
        resolve(files);
      });
      child.stdin.end(wanted.map((path) => `${repo.commit}:${path}\n`).join(''));
    });
  }

  async changedSince(repo: RepoOptions, commit: string): Promise<{ changed: string[]; removed: string[] } | undefined> {
    const cwd = await this.#repoDir(repo);
    const known = await git(['cat-file', '-e', `${commit}^{commit}`], { cwd }).then(() => true, () => false);
    if (!known) return undefined;
    const out = await git(['diff', '--name-status', '--no-renames', '-z', commit, repo.commit], { cwd });
    const fields = out.split('\0').filter(Boolean);
    const changed: string[] = [];
    const removed: string[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) (fields[i] === 'D' ? removed : changed).push(fields[i + 1]!);
    return { changed, removed };
  }

  async worktree(runId: string, repo: RepoOptions): Promise<Worktree> {
    const dir = this.#worktreeDir(runId);
    const repoDir = await this.#repoDir(repo, { fetchMissing: true });
    const files = (await this.listBase(repo)).length;
    if (existsSync(join(dir, '.git'))) return { dir, files, created: false };
    // A worktree half made by a process that died: start it again.
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await git(['worktree', 'prune'], { cwd: repoDir }).catch(() => undefined);
    await git(['worktree', 'add', '--detach', '--force', '--quiet', dir, repo.commit], { cwd: repoDir, timeoutMs: this.#options.cloneTimeoutMs });
    return { dir, files, created: true };
  }

  async materialize(runId: string, repo: RepoOptions, changeset: Changeset): Promise<void> {
    const dir = this.#worktreeDir(runId);
    await git(['reset', '--hard', '--quiet', repo.commit], { cwd: dir });
    await git(['clean', '-fdq'], { cwd: dir });
    for (const [path, content] of Object.entries(changeset)) {
      const target = await safeTarget(dir, path);
      if (content === null) await rm(target, { force: true });
      else {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
    }
  }

  async jobFiles(runId: string, repo: RepoOptions, changeset: Changeset): Promise<Record<string, string | Uint8Array>> {
    const dir = this.#worktreeDir(runId);
    const paths = new Set((await this.listBase(repo)).filter((e) => e.kind === 'file' || e.kind === 'executable').map((e) => e.path));
    for (const [path, content] of Object.entries(changeset)) {
      if (content === null) paths.delete(path);
      else paths.add(path);
    }
    const files: Record<string, string | Uint8Array> = {};
    let bytes = 0;
    for (const path of [...paths].sort()) {
      const target = await safeTarget(dir, path);
      const info = await lstat(target).catch(() => undefined);
      if (!info?.isFile()) continue;
      bytes += info.size;
      if (bytes > this.#options.maxBytes) throw new UmcaError('repo_too_large', `the run's files are over repo.max_mb (${mib(this.#options.maxBytes)})`, { status: 413 });
      files[path] = await readFile(target);
    }
    return files;
  }

  async handoff(runId: string, repo: RepoOptions, commit: { message: string; author: { name: string; email: string }; date: string }): Promise<Handoff> {
    const dir = this.#worktreeDir(runId);
    const branch = `umca/${runId}`;
    await git(['add', '-A'], { cwd: dir });
    const tree = (await git(['write-tree'], { cwd: dir })).trim();
    const files = (await git(['diff', '--name-only', '-z', repo.commit, tree], { cwd: dir })).split('\0').filter(Boolean).length;
    let head = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: dir }).then((out) => out.trim(), () => undefined);
    if (head !== undefined) {
      // A resumed run that committed before it died: the branch must hold this very change.
      const held = (await git(['rev-parse', `${head}^{tree}`], { cwd: dir })).trim();
      if (held !== tree) throw new ConflictError(`branch ${branch} already exists and holds other changes`, 'branch_exists');
    } else {
      const env = {
        GIT_AUTHOR_NAME: commit.author.name,
        GIT_AUTHOR_EMAIL: commit.author.email,
        GIT_AUTHOR_DATE: commit.date,
        GIT_COMMITTER_NAME: commit.author.name,
        GIT_COMMITTER_EMAIL: commit.author.email,
        GIT_COMMITTER_DATE: commit.date,
      };
      head = (await git(['commit-tree', tree, '-p', repo.commit, '-m', commit.message], { cwd: dir, env })).trim();
      await git(['update-ref', `refs/heads/${branch}`, head, ''], { cwd: dir });
    }
    const patch = await git(['diff', '--binary', '--full-index', repo.commit, head], { cwd: dir });
    return { branch, commit: head, patch, files };
  }

  async patch(runId: string, repo: RepoOptions): Promise<string> {
    const dir = this.#worktreeDir(runId);
    await git(['add', '-A'], { cwd: dir });
    return git(['diff', '--cached', '--binary', '--full-index', repo.commit], { cwd: dir });
  }

  async release(runId: string, repo: RepoOptions): Promise<void> {
    const dir = this.#worktreeDir(runId);
    const repoDir = await this.#repoDir(repo).catch(() => undefined);
    if (repoDir) await git(['worktree', 'remove', '--force', dir], { cwd: repoDir }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    if (repoDir) await git(['worktree', 'prune'], { cwd: repoDir }).catch(() => undefined);
  }

  #worktreeDir(runId: string): string {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(runId)) throw new InvalidRequestError(`run id "${runId}" cannot name a worktree`);
    return join(this.#options.home, 'worktrees', runId);
  }

  /** Where git finds the repository's objects: the local repository itself, or the clone of a URL. */
  async #repoDir(repo: Pick<RepoOptions, 'source' | 'kind' | 'commit'>, options: { fetchMissing?: boolean } = {}): Promise<string> {
    if (repo.kind === 'path') return repo.source;
    const dir = this.#cloneDir(repo.source);
    if (options.fetchMissing) {
      const has = await git(['cat-file', '-e', `${repo.commit}^{commit}`], { cwd: dir }).then(() => true, () => false);
      // A worker on another host, or a clone since removed: fetch it again (the run's egress was granted at its start).
      if (!has) await this.#fetch(new URL(repo.source));
    }
    return dir;
  }

  #cloneDir(url: string): string {
    return join(this.#options.home, 'repos', `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.git`);
  }

  /**
   * Where git may connect for a URL: its host resolved and checked here (link-local and
   * metadata addresses never; private networks and loopback only with
   * repo.clone_private_networks), then pinned for git (http.curloptResolve), with redirects
   * and every protocol but http(s) off, so git reaches the address that was checked.
   */
  async #pinned(url: URL): Promise<string[]> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const lookup = this.#options.lookup ?? ((name: string) => dnsLookup(name, { all: true, verbatim: true }));
    const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host).catch((error: NodeJS.ErrnoException) => {
      throw new InvalidRequestError(`repo: cannot resolve ${host} (${error.code ?? error.message})`, 'repo_unreachable', 'repo');
    });
    const allowPrivate = this.#options.clonePrivateNetworks ?? false;
    const refused = addresses.find(({ address }) => (isSensitiveAddress(address) && !(allowPrivate && isLoopbackAddress(address))) || (!allowPrivate && isPrivateAddress(address)));
    if (refused) {
      const why = isSensitiveAddress(refused.address) && !isLoopbackAddress(refused.address) ? ' (link-local or metadata)' : '; set repo.clone_private_networks: true for an intranet git server';
      throw new UmcaError('egress_denied', `repo: ${host} resolves to ${refused.address}, which a clone may not reach${why}`, { status: 403 });
    }
    const first = addresses[0];
    if (!first) throw new InvalidRequestError(`repo: cannot resolve ${host}`, 'repo_unreachable', 'repo');
    const address = first.family === 6 ? `[${first.address}]` : first.address;
    return ['-c', `http.curloptResolve=${host}:${port}:${address}`, '-c', 'http.followRedirects=false', '-c', 'protocol.allow=never', '-c', 'protocol.http.allow=always', '-c', 'protocol.https.allow=always'];
  }

  /** A bare clone of the URL, made once, its branches and tags fetched again on each use. */
  async #fetch(url: URL): Promise<string> {
    const dir = this.#cloneDir(url.href);
    const timeoutMs = this.#options.cloneTimeoutMs;
    const pinned = await this.#pinned(url);
    try {
      if (existsSync(join(dir, 'HEAD'))) {
        await git([...pinned, 'fetch', '--quiet', '--prune', '--no-tags', 'origin', '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'], { cwd: dir, timeoutMs });
        return dir;
      }
      await mkdir(dirname(dir), { recursive: true });
      const partial = `${dir}.${randomBytes(4).toString('hex')}.partial`;
      try {
        await git([...pinned, 'clone', '--bare', '--quiet', '--no-tags', '--', url.href, partial], { cwd: dirname(dir), timeoutMs });
        await rename(partial, dir).catch(async (error: NodeJS.ErrnoException) => {
          // Another run cloned it meanwhile.
          if (!existsSync(join(dir, 'HEAD'))) throw error;
        });
      } finally {
        await rm(partial, { recursive: true, force: true });
      }
      return dir;
    } catch (error) {
      if (error instanceof GitError) throw new InvalidRequestError(`repo: could not clone ${url.href}: ${error.message.replace(/^git \S+ ?\S*: /, '')}`, 'repo_unreachable', 'repo');
      throw error;
    }
  }
}

/** An http(s) URL, or undefined for a local path; other URL forms are refused by name. */
export function remoteUrl(source: string): URL | undefined {
  if (/^(git@|ssh:\/\/|git:\/\/|file:)/.test(source)) throw new InvalidRequestError(`repo: ${source.slice(0, 200)}: only local paths and http(s) URLs are supported`, 'invalid_request', 'repo');
  if (!/^https?:\/\//i.test(source)) return undefined;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new InvalidRequestError(`repo: "${source.slice(0, 200)}" is not a valid URL`, 'invalid_request', 'repo');
  }
  if (url.username || url.password) throw new InvalidRequestError('repo: credentials in the URL are refused (they would be stored with the run); use a credential helper', 'invalid_request', 'repo');
  return url;
}

/** The top level of the local repository `path` is in. */
async function topLevel(path: string): Promise<string> {
  if (!isAbsolute(path)) throw new InvalidRequestError(`repo: "${path.slice(0, 200)}" must be an absolute path or an http(s) URL`, 'invalid_request', 'repo');
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) throw new InvalidRequestError(`repo: ${path} is not a directory`, 'repo_not_found', 'repo');
  const out = await git(['rev-parse', '--show-toplevel'], { cwd: path }).catch((error: unknown) => {
    throw new InvalidRequestError(`repo: ${path} is not a git repository${error instanceof GitError && /dubious ownership/.test(error.stderr) ? ' git may use (its owner is another user: see git config safe.directory)' : ''}`, 'not_a_repository', 'repo');
  });
  return out.trim();
}

/** The path inside `dir`, once no part of it on the way there is a symbolic link (a repository may hold links that point out). */
async function safeTarget(dir: string, path: string): Promise<string> {
  const problem = repoPathProblem(path);
  if (problem) throw new InvalidRequestError(`${path}: ${problem}`, 'edit_refused');
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i += 1) {
    const info = await lstat(join(dir, ...parts.slice(0, i))).catch(() => undefined);
    if (info?.isSymbolicLink()) throw new InvalidRequestError(`${path}: ${parts.slice(0, i).join('/')} is a symbolic link; edits do not go through links`, 'edit_refused');
    if (!info) break;
  }
  return join(dir, path);
}

export function decodeText(bytes: Buffer): BaseFile {
  if (bytes.subarray(0, 8000).includes(0)) return { binary: true, size: bytes.length };
  try {
    return { text: TEXT.decode(bytes) };
  } catch {
    return { binary: true, size: bytes.length };
  }
}

const mib = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;
