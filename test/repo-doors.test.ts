import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, http, key, mcp, serveIn, stop, type Served } from './support/doors.js';
import { gitIn, makeRepo } from './support/git-repo.js';
import { CALC_SOURCE, CALC_TICKET, calcFixModel, calcRepo } from './support/calc-repo.js';

/**
 * A run on a repository through the server's doors: POST /v1/runs with `repo`, MCP
 * `umca_run`, the CLI beside the server (`umca apply` fetching the patch from it); policy on
 * who may name which repository; the same refusals at every door.
 */
const TICKET = CALC_TICKET;
const SOURCE = CALC_SOURCE;
const REPO = calcRepo();
const model = calcFixModel();

let served: Served;
let operator: string;
let runner: string;
before(async () => {
  served = await serveIn(() => 'auth: { mode: token }\nserver: { port: 0 }\n');
  [operator, runner] = await Promise.all([key(served, 'operator'), key(served, 'runner')]);
});
after(() => stop(served));

async function ended(id: string, token: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i += 1) {
    const run = await http(served, token, 'GET', `/v1/runs/${id}`);
    assert.ok(run.ok, JSON.stringify(run));
    if (['completed', 'failed', 'blocked', 'cancelled'].includes(run.value.status as string)) return run.value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`run ${id} did not end`);
}

describe('runs on a repository through the server', () => {
  it('POST /v1/runs with repo hands back a branch; umca apply beside the server takes its patch', async () => {
    const repo = makeRepo(REPO);
    const started = await http(served, operator, 'POST', '/v1/runs', { spec: TICKET, model, repo });
    assert.ok(started.ok, JSON.stringify(started));
    const run = await ended(started.value.id as string, operator);
    assert.equal(run.status, 'completed', String(run.reason));
    assert.deepEqual((run.artifacts as Array<{ path: string }>).map((a) => a.path), ['umca.patch']);
    assert.match(gitIn(repo, 'show', `umca/${run.id as string}:src/calc.js`), /return a \+ b;/);

    const other = join(served.where.cwd, 'other');
    execFileSync('git', ['clone', '-q', repo, other]);
    const applied = await cli({ ...served, where: { ...served.where, cwd: other } }, ['apply', run.id as string]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(readFileSync(join(other, 'src/calc.js'), 'utf8'), SOURCE.replace('a - b', 'a + b'));
  });

  it('policy decides who names which repository, and every door refuses the same way', async () => {
    const repo = makeRepo(REPO);
    const local = await http(served, runner, 'POST', '/v1/runs', { spec: TICKET, model, repo });
    assert.deepEqual([local.ok, !local.ok && local.code], [false, 'forbidden']);
    assert.match(!local.ok ? local.message : '', /may not use-repo Repository/);
    const remote = await http(served, runner, 'POST', '/v1/runs', { spec: TICKET, model, repo: 'https://git.example.com/team/calc.git' });
    assert.match(!remote.ok ? remote.message : '', /may not egress Host git\.example\.com:443/);
    for (const door of [
      (body: Record<string, unknown>) => http(served, operator, 'POST', '/v1/runs', body),
      (body: Record<string, unknown>) => mcp(served, operator, 'umca_run', body),
    ]) {
      const relative = await door({ spec: TICKET, model, repo: 'relative/path' });
      assert.deepEqual([relative.ok, !relative.ok && relative.code], [false, 'invalid_request']);
      assert.match(!relative.ok ? relative.message : '', /repo: "relative\/path" must be an absolute path or an http\(s\) URL/);
      const ref = await door({ spec: TICKET, model, repo, ref: 'no-such-branch' });
      assert.deepEqual([ref.ok, !ref.ok && ref.code], [false, 'ref_not_found']);
      const stray = await door({ spec: TICKET, model, test_command: 'npm test' });
      assert.match(!stray.ok ? stray.message : '', /test_command: only with repo/);
    }
  });
});
