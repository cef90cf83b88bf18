import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { verifyChain } from '../src/core/hash-chain.js';
import { openPgliteStore } from '../src/store/pglite/pglite-driver.js';
import { exited, runCli, scratch, startCli, waitForLine } from './support/cli.js';
import { gitIn, makeRepo } from './support/git-repo.js';
import { CALC_SOURCE, CALC_TICKET, calcFixModel, calcRepo } from './support/calc-repo.js';

/**
 * `umca run --repo` as a user runs it: killed while the repository's own tests run, `umca
 * resume` finishes the run on the same worktree without applying any edit again; `umca
 * apply` puts the run's patch on another checkout of the repository.
 */
const TICKET = CALC_TICKET;
const SOURCE = CALC_SOURCE;
// Slow enough to be killed in: the tests take two seconds.
const REPO = calcRepo("import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/calc.js';\n\ntest('adds', async () => {\n  await new Promise((resolve) => setTimeout(resolve, 2000));\n  assert.equal(add(2, 3), 5);\n});\n");
const FIX = 'src/calc.js\n<<<<<<< SEARCH\n  return a - b;\n}\n=======\n  return a + b;\n}\n\n// fixed by umca\n>>>>>>> REPLACE\n';
const FIXED = 'export function add(a, b) {\n  return a + b;\n}\n\n// fixed by umca\n';
const model = () => calcFixModel([FIX]);

describe('umca run --repo, resume and apply', () => {
  it('a run SIGKILLed during the repository\'s tests resumes on the same worktree, applies no edit twice, and its patch applies elsewhere', async () => {
    const repo = makeRepo(REPO);
    const where = scratch();
    // The repository's own npm test, in the process lane (its test waits on a timer, which the wasm-js lane has not).
    const child = startCli(['run', '--json', '--runtime', 'process', '--model', model(), '--repo', repo, TICKET], where);
    const started = JSON.parse(await waitForLine(child, (line) => line.includes('"sandbox.started"'), 120_000)) as { run_id: string };
    const runId = started.run_id;
    child.kill('SIGKILL');
    await exited(child);
    const worktree = join(where.env.UMCA_HOME!, 'worktrees', runId);
    assert.match(gitIn(repo, 'worktree', 'list'), new RegExp(worktree.replace(/[/.]/g, '\\$&')), 'the killed run left its worktree');

    const resumed = await runCli(['resume', runId], where);
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
    assert.match(resumed.stdout, new RegExp(`⎇ branch umca/${runId} at [0-9a-f]{12} \\(1 file\\); apply the patch elsewhere with: umca apply ${runId}`));
    const store = await openPgliteStore(join(where.env.UMCA_HOME!, 'pglite'));
    const events = await store.readEvents(runId).finally(() => store.close());
    assert.ok(verifyChain(events).ok);
    assert.ok(events.some((e) => e.type === 'run.resumed'));
    const count = (type: string, step?: string) => events.filter((e) => e.type === type && (step === undefined || (e.data as { step?: string }).step === step)).length;
    assert.equal(count('repo.edited'), 1, 'the edits were applied once');
    assert.equal(count('step.completed', 'code#1'), 1);
    assert.equal(count('step.started', 'test#1'), 2, 'the tests ran again after the kill');
    assert.equal(count('repo.prepared'), 1, 'the resumed run found its worktree');
    assert.equal(gitIn(repo, 'show', `umca/${runId}:src/calc.js`), FIXED, 'the change is on the branch, once');
    assert.equal(gitIn(repo, 'worktree', 'list').trim().split('\n').length, 1, 'and the worktree is gone');
    assert.equal(readFileSync(join(repo, 'src/calc.js'), 'utf8'), SOURCE, "the user's tree is untouched");

    // Another checkout of the repository takes the patch; a tree that has moved on is told why not.
    const other = join(where.cwd, 'other');
    execFileSync('git', ['clone', '-q', repo, other]);
    const checked = await runCli(['apply', runId, '--check'], { ...where, cwd: other });
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /^applies cleanly: 1 file \(src\/calc\.js \+3 -1\)/);
    assert.equal(readFileSync(join(other, 'src/calc.js'), 'utf8'), SOURCE, '--check changes nothing');
    const applied = await runCli(['apply', runId, '--json'], { ...where, cwd: other });
    assert.equal(applied.code, 0, applied.stderr);
    assert.deepEqual(JSON.parse(applied.stdout), { run_id: runId, applied: true, applies: true, files: [{ path: 'src/calc.js', added: 3, removed: 1 }] });
    assert.equal(readFileSync(join(other, 'src/calc.js'), 'utf8'), FIXED);
    const again = await runCli(['apply', runId], { ...where, cwd: other });
    assert.equal(again.code, 3);
    assert.match(again.stderr, new RegExp(`^umca: the patch of run ${runId} does not apply here: patch failed: src/calc.js:1\\n$`));
  });

  it('refuses a bad repository or a misplaced flag in one line, before any model is called', async () => {
    const where = scratch();
    const plain = join(where.cwd, 'plain');
    execFileSync('mkdir', ['-p', plain]);
    const cases: Array<[string[], RegExp]> = [
      [['run', '--model', 'scripted:demo', '--repo', plain, 'x'], new RegExp(`^umca: repo: ${plain.replace(/[/.]/g, '\\$&')} is not a git repository \\[not_a_repository\\]\\n$`)],
      [['run', '--model', 'scripted:demo', '--ref', 'main', 'x'], /^umca: --ref goes with --repo \(a document the research may cite is --doc FILE\)\n$/],
      [['apply', 'no-such-run'], /is not in a git working tree; run umca apply inside the repository to change\n$/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, where);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
    }
    writeFileSync(join(where.cwd, 'x.txt'), '');
    const repo = makeRepo(REPO);
    const noPatch = await runCli(['apply', '00000000-0000-0000-0000-000000000000'], { ...where, cwd: repo });
    assert.match(noPatch.stderr, /run 00000000-0000-0000-0000-000000000000 not found/);
  });
});
