import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EventDataOf, RunEvent } from '../src/core/events.js';
import { verifyChain } from '../src/core/hash-chain.js';
import { LOCAL_PRINCIPAL } from '../src/core/principal.js';
import type { Umca } from '../src/umca.js';
import { documentId } from '../src/services/knowledge-service.js';
import { RepositoryIndex } from '../src/services/repository-index.js';
import { gitIn, makeRepo, repoState } from './support/git-repo.js';
import { PASSING_REVIEW, planFor, scriptedModel } from './support/scripted.js';
import { testUmca } from './support/umca.js';

/**
 * Runs on a team's repository: the run works in a worktree of its own at the commit its ref
 * names, its coder answers with edits that are applied (or sent back with the reason), the
 * repository's own test command runs in the process lane, and a green run hands back one
 * commit on `umca/<run-id>` and the patch. The user's working tree and branches stay as they were.
 */
const TICKET = 'add(a, b) in src/calc.js returns the difference instead of the sum; fix it so the tests pass.';
const JS_REPO = {
  'package.json': JSON.stringify({ name: 'calc', version: '1.0.0', type: 'module', scripts: { test: 'node --test' } }, null, 2),
  'src/calc.js': 'export function add(a, b) {\n  return a - b;\n}\n\nexport function sub(a, b) {\n  return a - b;\n}\n',
  'test/calc.test.js': "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add, sub } from '../src/calc.js';\n\ntest('adds', () => assert.equal(add(2, 3), 5));\ntest('subtracts', () => assert.equal(sub(5, 3), 2));\n",
  'README.md': '# calc\n',
};
const FIX = 'src/calc.js\n<<<<<<< SEARCH\nexport function add(a, b) {\n  return a - b;\n=======\nexport function add(a, b) {\n  return a + b;\n>>>>>>> REPLACE\n';
const research = (path: string, quote: string) => JSON.stringify({ findings: [{ id: 'F1', claim: `today add does: ${quote}`, citations: [{ source: `repo:${path}`, quote }] }] });

function data<T extends RunEvent['type']>(events: RunEvent[], type: T): Array<EventDataOf<T>> {
  return events.filter((e) => e.type === type).map((e) => e.data as EventDataOf<T>);
}

let umca: Umca;
before(async () => {
  umca = await testUmca();
});
after(() => umca.close());

async function runOn(repo: string, coder: string[], extra: { ref?: string; test_command?: string; planner?: string | unknown[]; researcher?: string; runtime?: 'process' } = {}) {
  const model = scriptedModel({
    replies: {
      ...PASSING_REVIEW,
      planner: Array.isArray(extra.planner) ? (extra.planner as never[]) : [extra.planner ?? planFor(TICKET, 'javascript', ['src/calc.js'])],
      researcher: [extra.researcher ?? research('src/calc.js', 'return a - b;')],
      coder,
    },
  });
  const created = await umca.runs.for(LOCAL_PRINCIPAL).startHere({ spec: TICKET, model, repo, ...(extra.ref ? { ref: extra.ref } : {}), ...(extra.test_command ? { test_command: extra.test_command } : {}), ...(extra.runtime ? { runtime: extra.runtime } : {}) });
  const ended = await umca.engine.execute(created.id);
  return { run: ended, events: await umca.store.readEvents(created.id) };
}

describe('runs on a repository', () => {
  it('a JS repository with a failing test: the fix lands on umca/<run> as one commit, its own npm test passes in the sandbox, the user\'s tree is untouched', async () => {
    const dir = makeRepo(JS_REPO);
    writeFileSyncKeep(dir, 'README.md', '# calc\n\nwork in progress by the user\n');
    const before = repoState(dir);
    const { run, events } = await runOn(dir, [FIX]);
    assert.equal(run.status, 'completed', run.reason ?? '');
    assert.ok(verifyChain(events).ok);

    const [prepared] = data(events, 'repo.prepared');
    assert.equal(prepared?.source, dir);
    assert.equal(prepared?.dirty, true, 'the dirty tree is on the log');
    assert.equal(prepared?.test_command, 'npm test');
    const [edited] = data(events, 'repo.edited');
    assert.deepEqual(edited?.files, [{ path: 'src/calc.js', change: 'modified', added_lines: 1, removed_lines: 1 }]);
    // Plain JavaScript whose tests are node:test: its test files run in the wasm-js lane.
    const started = data(events, 'sandbox.started');
    assert.equal(started[0]?.lane, 'wasm-js');
    assert.match(started[0]?.reason ?? '', /default lane for JavaScript\/TypeScript: WebAssembly/);
    const [finished] = data(events, 'sandbox.finished');
    assert.deepEqual(finished?.tests.map((t) => [t.name, t.ok]), [['adds', true], ['subtracts', true]]);

    const [handoff] = data(events, 'repo.handoff');
    assert.equal(handoff?.branch, `umca/${run.id}`);
    assert.equal(gitIn(dir, 'rev-parse', handoff!.branch).trim(), handoff?.commit);
    assert.equal(gitIn(dir, 'rev-list', '--count', `${before.head}..${handoff!.branch}`).trim(), '1', 'one commit on top of the run\'s commit');
    assert.equal(gitIn(dir, 'show', `${handoff!.branch}:src/calc.js`), JS_REPO['src/calc.js'].replace('return a - b;', 'return a + b;'));
    const message = gitIn(dir, 'log', '-1', '--format=%B', handoff!.branch);
    assert.match(message, new RegExp(`Run ${run.id}, event log head seq \\d+ sha256 [0-9a-f]{64}`));
    const headSeq = Number(/seq (\d+)/.exec(message)![1]);
    assert.equal(events.find((e) => e.seq === headSeq)?.hash, /sha256 ([0-9a-f]{64})/.exec(message)![1], 'the log head it names is in the chain');

    const patch = await umca.store.getArtifact(run.id, 'umca.patch');
    assert.ok(patch);
    assert.match(Buffer.from(patch.content).toString('utf8'), /^-  return a - b;\n\+  return a \+ b;$/m);
    const after = repoState(dir);
    assert.equal(after.status, before.status, "the user's working tree and index are as they were");
    assert.equal(after.head, before.head);
    assert.equal(after.branches, `${before.branches}refs/heads/umca/${run.id} ${handoff!.commit}\n`);
    assert.equal(readFileSync(join(dir, 'README.md'), 'utf8'), '# calc\n\nwork in progress by the user\n');
    assert.equal(gitIn(dir, 'worktree', 'list').trim().split('\n').length, 1, 'the run\'s worktree is gone');
  });

  it("its own npm test runs in the process lane where the repository needs a real Node.js, or the run asks for it", async () => {
    const needsNode = makeRepo({ ...JS_REPO, 'src/calc.js': `import { EOL } from 'node:os';\n${JS_REPO['src/calc.js']}export const eol = EOL;\n` });
    const real = await runOn(needsNode, [FIX]);
    assert.equal(real.run.status, 'completed', real.run.reason ?? '');
    const [started] = data(real.events, 'sandbox.started');
    assert.equal(started?.lane, 'process');
    assert.match(started?.reason ?? '', /repository's own test command \(npm test\) runs only as a real process \(src\/calc\.js imports node:os\)/);
    assert.deepEqual(data(real.events, 'sandbox.finished')[0]?.tests.map((t) => [t.name, t.ok]), [['adds', true], ['subtracts', true]]);
    const asked = await runOn(makeRepo(JS_REPO), [FIX], { runtime: 'process' });
    assert.equal(asked.run.status, 'completed', asked.run.reason ?? '');
    assert.equal(data(asked.events, 'sandbox.started')[0]?.lane, 'process');
  });

  it('a Python repository: pytest runs in the process lane, each test reported', async () => {
    const dir = makeRepo({
      'calc.py': 'def add(a, b):\n    return a - b\n',
      'tests/test_calc.py': 'from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n\ndef test_add_negative():\n    assert add(-1, 1) == 0\n',
      'pyproject.toml': '[tool.pytest.ini_options]\npythonpath = ["."]\n',
    });
    const fix = '```diff\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n```\n';
    const { run, events } = await runOn(dir, [fix], { planner: planFor(TICKET, 'python', ['calc.py']), researcher: research('calc.py', 'return a - b') });
    assert.equal(run.status, 'completed', run.reason ?? '');
    const [prepared] = data(events, 'repo.prepared');
    assert.equal(prepared?.test_command, 'python3 -m pytest');
    const [finished] = data(events, 'sandbox.finished');
    assert.equal(finished?.lane, 'process');
    assert.deepEqual(finished?.tests.map((t) => [t.name, t.ok]), [['tests.test_calc::test_add', true], ['tests.test_calc::test_add_negative', true]]);
    assert.equal(gitIn(dir, 'show', `umca/${run.id}:calc.py`), 'def add(a, b):\n    return a + b\n');
  });

  it('an edit that does not apply goes back to the coder with the reason, and the second reply applies', async () => {
    const dir = makeRepo(JS_REPO);
    const wrong = 'src/calc.js\n<<<<<<< SEARCH\nexport function add(x, y) {\n  return x - y;\n=======\nexport function add(x, y) {\n  return x + y;\n>>>>>>> REPLACE\n';
    const { run, events } = await runOn(dir, [wrong, FIX]);
    assert.equal(run.status, 'completed', run.reason ?? '');
    const requests = data(events, 'model.request').filter((r) => r.role === 'coder');
    assert.equal(requests.length, 2, 'the coder was asked twice in the one attempt');
    const [rejected] = data(events, 'model.reply_rejected');
    assert.deepEqual([rejected?.step, rejected?.role, rejected?.retry], ['code#1', 'coder', true]);
    assert.match(rejected!.reason, /edit 1 \(src\/calc\.js\): the SEARCH text is not in the file \(no line reads "export function add\(x, y\) \{"\)/);
    assert.equal(data(events, 'repo.edited').length, 1);
  });

  it('failing tests go back to the coder with the report; the second attempt builds on the first', async () => {
    const dir = makeRepo(JS_REPO);
    const half = 'src/calc.js\n<<<<<<< SEARCH\n  return a - b;\n}\n\nexport function sub\n=======\n  return a * b;\n}\n\nexport function sub\n>>>>>>> REPLACE\n';
    const rest = 'src/calc.js\n<<<<<<< SEARCH\n  return a * b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n';
    const { run, events } = await runOn(dir, [half.replace(/export function sub\n/g, 'export function sub(a, b) {\n'), rest]);
    assert.equal(run.status, 'completed', run.reason ?? '');
    const finished = data(events, 'sandbox.finished');
    assert.deepEqual(finished.map((f) => f.tests.filter((t) => !t.ok).map((t) => t.name)), [['adds'], []]);
    assert.equal(gitIn(dir, 'show', `umca/${run.id}:src/calc.js`), JS_REPO['src/calc.js'].replace('return a - b;', 'return a + b;'));
  });

  it('G3 blocks a change that deletes or weakens tests, naming them', async () => {
    const dir = makeRepo(JS_REPO);
    const weaken = "test/calc.test.js\n<<<<<<< SEARCH\ntest('adds', () => assert.equal(add(2, 3), 5));\n=======\n>>>>>>> REPLACE\n";
    const { run, events } = await runOn(dir, [weaken]);
    assert.equal(run.status, 'blocked');
    const g3 = events.find((e) => e.type === 'gate.decision' && e.data.gate === 'g3-code');
    assert.match(JSON.stringify(g3?.data), /test\/calc\.test\.js removes 1 of its 2 tests; test\/calc\.test\.js removes 1 of its 2 assertions/);
    const remove = '```diff\n--- a/test/calc.test.js\n+++ /dev/null\n@@ -1,6 +0,0 @@\n' + JS_REPO['test/calc.test.js'].split('\n').slice(0, 6).map((l) => `-${l}`).join('\n') + '\n```\n';
    const deleted = await runOn(makeRepo(JS_REPO), [remove]);
    assert.equal(deleted.run.status, 'blocked', deleted.run.reason ?? '');
    assert.match(JSON.stringify(deleted.events.find((e) => e.type === 'gate.decision' && e.data.gate === 'g3-code')?.data), /test\/calc\.test\.js deletes the test file \(2 tests\)/);
  });

  it("the planner reads the repository through its tools, and research cites what they returned", async () => {
    const dir = makeRepo(JS_REPO);
    const call = (name: string, args: Record<string, unknown>) => ({ content: '', tool_calls: [{ name: `repo__${name}`, arguments: args }] });
    const planner = [
      call('list_files', { path: 'src' }),
      call('search', { pattern: 'return a - b' }),
      call('outline', { path: 'src/calc.js' }),
      call('read_file', { path: 'src/calc.js', start_line: 1, end_line: 3 }),
      call('read_file', { path: '../etc/passwd' }),
      planFor(TICKET, 'javascript', ['src/calc.js']),
    ];
    const { run, events } = await runOn(dir, [FIX], { planner, researcher: research('src/calc.js#L1-L3', 'return a - b;') });
    assert.equal(run.status, 'completed', run.reason ?? '');
    const results = data(events, 'tool.result').filter((r) => r.step === 'plan');
    assert.deepEqual(results.map((r) => [r.tool, r.status]), [['repo.list_files', 'ok'], ['repo.search', 'ok'], ['repo.outline', 'ok'], ['repo.read_file', 'ok'], ['repo.read_file', 'invalid_arguments']]);
    assert.match(results[0]!.content, /^src\/calc\.js \(\d+ B\)$/);
    assert.equal(results[1]!.content, 'src/calc.js:2:   return a - b;\nsrc/calc.js:6:   return a - b;');
    assert.equal(results[2]!.content, 'src/calc.js (javascript):\n1: add\n5: sub');
    assert.match(results[3]!.content, /^<source id="repo:src\/calc\.js#L1-L3" lines="1-3" of="7">\nexport function add\(a, b\) \{\n  return a - b;\n\}\n<\/source>/);
    assert.match(results[4]!.content, /no file \.\.\/etc\/passwd at the run's commit/);
    const g2 = events.find((e) => e.type === 'gate.decision' && e.data.gate === 'g2-provenance');
    assert.equal(g2?.type === 'gate.decision' && g2.data.decision, 'pass', JSON.stringify(g2?.data));
  });

  it("indexes the repository into a knowledge base its retrieval searches and research cites; the next run reuses it, a later commit brings it up to date", async () => {
    const dir = makeRepo({ ...JS_REPO, 'docs/old.md': '# Old\n\nTo be removed.\n' });
    const kb = RepositoryIndex.baseName(dir);
    const chunk = `kb:${kb}/${documentId('src/calc.js')}#0`;
    const citing = JSON.stringify({ findings: [{ id: 'F1', claim: 'today add does: return a - b;', citations: [{ source: chunk, quote: 'return a - b;' }] }] });
    const first = await runOn(dir, [FIX], { researcher: citing });
    assert.equal(first.run.status, 'completed', first.run.reason ?? '');
    const [indexed] = data(first.events, 'repo.indexed');
    assert.deepEqual([indexed?.kb, indexed?.reused, indexed?.from, indexed?.added], [kb, false, null, 5]);
    const [retrieval] = data(first.events, 'kb.retrieval');
    assert.equal(retrieval?.kb, kb);
    assert.ok(retrieval?.chunks.some((c) => c.citation === chunk), JSON.stringify(retrieval?.chunks.map((c) => c.citation)));
    const g2 = first.events.find((e) => e.type === 'gate.decision' && e.data.gate === 'g2-provenance');
    assert.equal(g2?.type === 'gate.decision' && g2.data.decision, 'pass', JSON.stringify(g2?.data));

    const again = await runOn(dir, [FIX], { researcher: citing });
    assert.deepEqual(data(again.events, 'repo.indexed').map((e) => [e.reused, e.added]), [[true, 0]], 'the same commit: the index is reused as it is');

    gitIn(dir, 'rm', '-q', 'docs/old.md');
    writeFileSync(join(dir, 'README.md'), '# calc\n\nAdds and subtracts.\n');
    gitIn(dir, 'commit', '-qam', 'docs');
    const later = await runOn(dir, [FIX], { researcher: citing });
    const [update] = data(later.events, 'repo.indexed');
    assert.deepEqual([update?.reused, update?.from, update?.updated, update?.removed], [false, indexed!.commit, 1, 1]);
    const shown = await umca.knowledge.for(LOCAL_PRINCIPAL).show(kb);
    assert.deepEqual(shown.documents.map((d) => d.source).sort(), ['README.md', 'package.json', 'src/calc.js', 'test/calc.test.js']);
    assert.equal(shown.base.origin, dir);
    assert.equal(shown.base.embedding_model, 'none');
  });

  it("a repository's index is read only by those who may use the repository", async () => {
    const dir = makeRepo(JS_REPO);
    const { run } = await runOn(dir, [FIX]);
    assert.equal(run.status, 'completed', run.reason ?? '');
    const kb = RepositoryIndex.baseName(dir);
    const runner = { id: 'key:0a1b2c3d4e5f', roles: ['runner' as const], via: 'api-key' as const };
    const bases = umca.knowledge.for(runner);
    assert.ok(!(await bases.list()).some((b) => b.name === kb), 'not listed to a runner, who may not use a local repository');
    await assert.rejects(bases.search(kb, { query: 'add' }), /may not use-repo Repository/);
    assert.ok((await umca.knowledge.for(LOCAL_PRINCIPAL).list()).some((b) => b.name === kb));
  });

  it('refuses a bad repository at the door, before any model is called', async () => {
    const runs = umca.runs.for(LOCAL_PRINCIPAL);
    const dir = makeRepo(JS_REPO);
    const refusal = async (input: Parameters<typeof runs.startHere>[0]) => (await runs.startHere(input).then(() => undefined, (e: unknown) => e)) as { status: number; code: string; message: string } | undefined;
    const cases: Array<[Parameters<typeof runs.startHere>[0], RegExp]> = [
      [{ spec: TICKET, model: 'scripted:demo', repo: '/nonexistent/repo' }, /repo: \/nonexistent\/repo is not a directory/],
      [{ spec: TICKET, model: 'scripted:demo', repo: dir, ref: 'nope' }, /ref: no branch, tag or commit "nope"/],
      [{ spec: TICKET, model: 'scripted:demo', repo: makeRepo({ 'notes.txt': 'x' }) }, /test_command: none found/],
      [{ spec: TICKET, model: 'scripted:demo', ref: 'main' }, /ref: only with repo/],
    ];
    const before = (await umca.store.listRuns({ limit: 500 })).length;
    for (const [input, message] of cases) {
      const error = await refusal(input);
      assert.equal(error?.status, 400, JSON.stringify(input));
      assert.match(error!.message, message);
    }
    assert.equal((await umca.store.listRuns({ limit: 500 })).length, before, 'no run was made');
  });
});

/** The user's uncommitted work, which the run must neither see nor touch. */
function writeFileSyncKeep(dir: string, path: string, content: string): void {
  writeFileSync(join(dir, path), content);
}
