import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gitIn, makeRepo, repoState } from '../../test/support/git-repo.js';
import { GitRepositories } from './git-repositories.js';

const home = mkdtempSync(join(tmpdir(), 'umca-home-'));
// Loopback allowed: the URL tests serve a repository on 127.0.0.1.
const repos = new GitRepositories({ home, maxFiles: 50, maxBytes: 1024 * 1024, cloneTimeoutMs: 30_000, clonePrivateNetworks: true });
const PACKAGE = JSON.stringify({ name: 'calc', scripts: { test: 'node --test' } });

async function refusal(promise: Promise<unknown>): Promise<{ code: string; param: string | null; message: string }> {
  const error = (await promise.then(() => undefined, (e: unknown) => e)) as { code: string; param: string | null; message: string; status: number } | undefined;
  assert.ok(error, 'expected a refusal');
  assert.equal(error.status, 400, error.message);
  return error;
}

describe('repositories a run works on', () => {
  it('pins a local repository at the door: its top level, the commit its ref names, its detected test command', async () => {
    const dir = makeRepo({ 'package.json': PACKAGE, 'src/a.js': 'x\n' });
    gitIn(dir, 'checkout', '-q', '-b', 'feature');
    writeFileSync(join(dir, 'src/a.js'), 'y\n');
    gitIn(dir, 'commit', '-qam', 'feature');
    const resolved = await repos.resolve({ source: join(dir, 'src'), ref: 'main' });
    assert.deepEqual(resolved, { source: dir, kind: 'path', ref: 'main', commit: gitIn(dir, 'rev-parse', 'main').trim(), testCommand: 'npm test' });
    writeFileSync(join(dir, 'src/a.js'), 'uncommitted\n');
    assert.equal((await repos.resolve({ source: dir, testCommand: 'make check' })).dirty, true, 'a dirty tree is noted (the run starts from the commit)');
    assert.equal((await repos.resolve({ source: dir, testCommand: 'make check' })).testCommand, 'make check');
  });

  it('detects pytest, go, cargo and make, and refuses a repository with none, naming the places it looked', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'test_calc.py': 'def test_x(): pass\n' }, 'python3 -m pytest'],
      [{ 'pyproject.toml': '[tool.pytest.ini_options]\n', 'calc.py': '' }, 'python3 -m pytest'],
      [{ 'go.mod': 'module x\n' }, 'go test ./...'],
      [{ 'Cargo.toml': '[package]\n' }, 'cargo test'],
      [{ Makefile: 'all:\n\ttrue\ntest: all\n\ttrue\n' }, 'make test'],
    ];
    for (const [files, command] of cases) assert.equal((await repos.resolve({ source: makeRepo(files) })).testCommand, command, JSON.stringify(files));
    const none = await refusal(repos.resolve({ source: makeRepo({ 'package.json': JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }) }) }));
    assert.equal(none.code, 'test_command_not_found');
    assert.equal(none.param, 'test_command');
    assert.match(none.message, /looked for package\.json scripts\.test, pytest/);
  });

  it('refuses what is not a repository, a ref that is not there, an option as a ref, a relative path, and a repository over the limits', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'umca-plain-'));
    assert.equal((await refusal(repos.resolve({ source: plain }))).code, 'not_a_repository');
    assert.equal((await refusal(repos.resolve({ source: join(plain, 'missing') }))).code, 'repo_not_found');
    assert.match((await refusal(repos.resolve({ source: 'relative/path' }))).message, /must be an absolute path or an http\(s\) URL/);
    const dir = makeRepo({ 'package.json': PACKAGE });
    const ref = await refusal(repos.resolve({ source: dir, ref: 'no-such-branch' }));
    assert.deepEqual([ref.code, ref.param], ['ref_not_found', 'ref']);
    assert.equal((await refusal(repos.resolve({ source: dir, ref: '--output=/tmp/x' }))).param, 'ref');
    const many = makeRepo(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}.txt`, `${i}`])));
    assert.match((await refusal(repos.resolve({ source: many, testCommand: 'true' }))).message, /has 60 files at HEAD, more than repo\.max_files \(50\)/);
    const big = makeRepo({ 'blob.txt': 'x'.repeat(2 * 1024 * 1024) });
    assert.match((await refusal(repos.resolve({ source: big, testCommand: 'true' }))).message, /holds 2 MiB at HEAD, more than repo\.max_mb \(1\)/);
    assert.match((await refusal(repos.resolve({ source: 'https://user:token@example.com/x.git' }))).message, /credentials in the URL are refused/);
    assert.match((await refusal(repos.resolve({ source: 'git@example.com:x.git' }))).message, /only local paths and http\(s\) URLs/);
  });

  it('works in a worktree of its own: the user\'s tree, index and branches stay as they were; the run hands back one commit on umca/<run>', async () => {
    const dir = makeRepo({ 'package.json': PACKAGE, 'src/a.js': 'one\n', 'old.txt': 'bye\n' });
    writeFileSync(join(dir, 'src/a.js'), 'the user is editing this\n');
    const before = repoState(dir);
    const repo = await repos.resolve({ source: dir });
    const tree = await repos.worktree('run1', repo);
    assert.equal(tree.created, true);
    assert.equal(tree.files, 3);
    assert.equal((await repos.worktree('run1', repo)).created, false, 'a resumed run finds its worktree');
    const changes = { 'src/a.js': 'two\n', 'src/b.js': 'new\n', 'old.txt': null };
    await repos.materialize('run1', repo, changes);
    await repos.materialize('run1', repo, changes);
    assert.equal(readFileSync(join(tree.dir, 'src/a.js'), 'utf8'), 'two\n');
    assert.equal(existsSync(join(tree.dir, 'old.txt')), false);
    const files = await repos.jobFiles('run1', repo, changes);
    assert.deepEqual(Object.keys(files).sort(), ['package.json', 'src/a.js', 'src/b.js']);

    const commit = { message: 'umca run run1', author: { name: 'umca', email: 'umca@localhost' }, date: '2026-12-04T10:00:00Z' };
    const handoff = await repos.handoff('run1', repo, commit);
    assert.equal(handoff.branch, 'umca/run1');
    assert.equal(handoff.files, 3);
    assert.match(handoff.patch, /^diff --git a\/old\.txt b\/old\.txt\ndeleted file mode/m);
    assert.match(handoff.patch, /\+two/);
    assert.deepEqual(await repos.handoff('run1', repo, { ...commit, message: 'again' }), handoff, 'a second hand-off (a resumed run) finds the same commit');
    assert.equal(gitIn(dir, 'log', '-1', '--format=%s %an %P', 'umca/run1').trim(), `umca run run1 umca ${repo.commit}`);
    await repos.release('run1', repo);
    assert.equal(existsSync(tree.dir), false);
    const afterState = repoState(dir);
    assert.equal(afterState.status, before.status, "the user's working tree and index are untouched");
    assert.equal(afterState.head, before.head);
    assert.equal(afterState.branches, `${before.branches}refs/heads/umca/run1 ${handoff.commit}\n`, 'the one branch added is the run\'s');
    assert.equal(readFileSync(join(dir, 'src/a.js'), 'utf8'), 'the user is editing this\n');
    assert.equal(gitIn(dir, 'worktree', 'list').trim().split('\n').length, 1, 'no worktree is left registered');
  });

  it('writes nothing through a link the repository holds', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'umca-outside-'));
    const dir = makeRepo({ 'package.json': PACKAGE });
    symlinkSync(outside, join(dir, 'escape'));
    gitIn(dir, 'add', 'escape');
    gitIn(dir, 'commit', '-qm', 'link');
    const repo = await repos.resolve({ source: dir });
    await repos.worktree('run2', repo);
    await assert.rejects(repos.materialize('run2', repo, { 'escape/planted.txt': 'x' }), /escape is a symbolic link/);
    assert.equal(existsSync(join(outside, 'planted.txt')), false);
    assert.deepEqual(Object.keys(await repos.jobFiles('run2', repo, {})), ['package.json'], 'a link is not followed into the job either');
    await repos.release('run2', repo);
  });

  describe('a repository named by URL', () => {
    let server: Server;
    let url: string;
    let origin: string;
    let bareRepo: string;
    before(async () => {
      origin = makeRepo({ 'package.json': PACKAGE, 'src/a.js': 'one\n' });
      const bare = mkdtempSync(join(tmpdir(), 'umca-bare-'));
      execFileSync('git', ['clone', '--bare', '-q', origin, join(bare, 'calc.git')]);
      bareRepo = join(bare, 'calc.git');
      execFileSync('git', ['update-server-info'], { cwd: bareRepo });
      // git's "dumb" HTTP protocol: the repository's files, served as they are.
      server = createServer((request, response) => {
        const path = normalize(join(bare, decodeURIComponent(new URL(request.url!, 'http://x').pathname)));
        if (!path.startsWith(bare)) return void response.writeHead(403).end();
        readFile(path).then((body) => response.end(body), () => response.writeHead(404).end());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}/calc.git`;
    });
    after(() => server.close());

    it('is cloned once into UMCA_HOME, fetched again by the next run, and worked on like a local one', async () => {
      const repo = await repos.resolve({ source: url });
      assert.deepEqual([repo.kind, repo.source, repo.testCommand, repo.commit], ['url', url, 'npm test', gitIn(origin, 'rev-parse', 'HEAD').trim()]);
      const tree = await repos.worktree('run3', repo);
      assert.equal(readFileSync(join(tree.dir, 'src/a.js'), 'utf8'), 'one\n');
      await repos.release('run3', repo);
      writeFileSync(join(origin, 'src/a.js'), 'two\n');
      gitIn(origin, 'commit', '-qam', 'two');
      gitIn(origin, 'push', '-q', bareRepo, 'main');
      execFileSync('git', ['update-server-info'], { cwd: bareRepo });
      assert.equal((await repos.resolve({ source: url })).commit, gitIn(origin, 'rev-parse', 'HEAD').trim(), 'the next run fetches what is new');
      const missing = await refusal(repos.resolve({ source: `${url.replace('calc.git', 'nothing.git')}` }));
      assert.equal(missing.code, 'repo_unreachable');
    });

    it('reaches only an address it checked: loopback and private networks only where allowed, link-local and metadata never', async () => {
      const strict = new GitRepositories({ home, maxFiles: 50, maxBytes: 1024 * 1024, cloneTimeoutMs: 30_000 });
      const refusedBy = async (source: string, using = strict) => (await using.resolve({ source }).then(() => undefined, (e: unknown) => e)) as { status: number; code: string; message: string };
      const loopback = await refusedBy(url);
      assert.deepEqual([loopback.status, loopback.code], [403, 'egress_denied']);
      assert.match(loopback.message, /resolves to 127\.0\.0\.1, which a clone may not reach; set repo\.clone_private_networks: true/);
      const metadata = await refusedBy('http://169.254.169.254/latest.git', repos);
      assert.match(metadata.message, /169\.254\.169\.254, which a clone may not reach \(link-local or metadata\)/);
      const rebinding = new GitRepositories({ home, maxFiles: 50, maxBytes: 1024 * 1024, cloneTimeoutMs: 30_000, lookup: async () => [{ address: '10.1.2.3', family: 4 }] });
      assert.match((await refusedBy('https://git.example.com/x.git', rebinding)).message, /git\.example\.com resolves to 10\.1\.2\.3/);
    });
  });
});
