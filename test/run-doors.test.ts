import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SHIPPED_POLICY_DIR } from '../src/policy/shipped-policies.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { cliArgs, runCli } from './support/cli.js';
import { cli, cliOutcome, http, key, mcp, serveIn, stop, type Served } from './support/doors.js';

/**
 * One door per use case: the same run use cases over the HTTP API, MCP (umca serve's /mcp)
 * and the CLI (beside the running server, which holds the embedded store), with the same
 * inputs, give the same outcome and the same error codes. The server runs with token auth
 * and team policies: `scripted:premium` only for operators, `scripted:banned` for nobody,
 * and `read-run` only on runs the caller started — whoever it is.
 */
const DEMO = readFileSync(new URL('../fixtures/scripted/demo.yaml', import.meta.url), 'utf8');

function serve(options: { yaml: string; worker?: boolean }): Promise<Served> {
  return serveIn((cwd) => {
    const fixtures = join(cwd, 'fixtures');
    mkdirSync(fixtures);
    for (const name of ['premium', 'banned']) writeFileSync(join(fixtures, `${name}.yaml`), DEMO.replace(/^name: demo$/m, `name: ${name}`));
    const policies = join(cwd, 'policies');
    mkdirSync(policies);
    copyFileSync(join(SHIPPED_POLICY_DIR, 'default.cedar'), join(policies, 'default.cedar'));
    writeFileSync(
      join(policies, 'team.cedar'),
      [
        '@id("premium-for-operators")',
        'forbid (principal, action == Umca::Action::"use-model", resource == Umca::Model::"scripted:premium") unless { principal in Umca::Role::"operator" };',
        '@id("banned-model")',
        'forbid (principal, action == Umca::Action::"use-model", resource == Umca::Model::"scripted:banned");',
        '@id("read-own-runs-only")',
        'forbid (principal, action == Umca::Action::"read-run", resource) unless { resource.owner == principal.id };',
        '',
      ].join('\n'),
    );
    return `auth: { mode: token }\nserver: { port: 0 }\npolicy: { dir: ${policies} }\nscripted: { fixtures_dir: ${fixtures} }\n${options.yaml}`;
  }, options.worker === undefined ? {} : { worker: options.worker });
}

let main: Served | undefined;
let idle: Served | undefined;
let runner = '';
let otherRunner = '';
let operator = '';

before(async () => {
  // `main` executes runs; `idle` has no worker and room for one waiting run (back-pressure).
  [main, idle] = await Promise.all([serve({ yaml: 'providers: { upstream: { type: openai-compatible, base_url: "http://127.0.0.1:9/v1", model: x } }\n' }), serve({ yaml: 'workers: { max_queue_depth: 1 }\n', worker: false })]);
  [runner, otherRunner, operator] = [await key(main, 'runner'), await key(main, 'runner'), await key(main, 'operator')];
});
after(async () => {
  await Promise.all([stop(main), stop(idle)]);
});

describe('one door per use case: HTTP, MCP and the CLI give the same outcome and error codes', () => {
  it('start a run and follow it to its end: completed on every door, each run its caller\'s', async () => {
    const overHttp = await http(main!, runner, 'POST', '/v1/runs', { model: 'scripted:demo' });
    assert.ok(overHttp.ok);
    const overMcp = await mcp(main!, runner, 'umca_run', { model: 'scripted:demo', wait: true });
    assert.ok(overMcp.ok, JSON.stringify(overMcp));
    const overCli = await cli(main!, ['run', '--model', 'scripted:demo', '--json']);
    assert.equal(overCli.code, 0, overCli.stderr);
    const cliEvents = overCli.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; run_id: string });
    assert.equal(cliEvents.at(-1)!.type, 'run.completed');

    const httpRun = String(overHttp.value.id);
    for (let i = 0; i < 100; i++) {
      const now = await http(main!, runner, 'GET', `/v1/runs/${httpRun}`);
      if (now.ok && now.value.status === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ids = { http: httpRun, mcp: String(overMcp.value.id), cli: cliEvents[0]!.run_id };
    const status = await Promise.all([
      http(main!, runner, 'GET', `/v1/runs/${ids.http}`),
      mcp(main!, runner, 'umca_run_status', { id: ids.mcp }),
      cli(main!, ['runs', 'show', ids.cli, '--json']).then(cliOutcome),
    ]);
    assert.deepEqual(status.map((s) => s.ok && [s.value.status, s.value.model, (s.value.artifacts as unknown[]).length]), Array(3).fill(['completed', 'scripted:demo', 2]));
    assert.deepEqual(status.map((s) => s.ok && s.value.owner), [status[0]!.ok && status[0]!.value.owner, status[0]!.ok && status[0]!.value.owner, 'user:local']);
    assert.match(String(status[0]!.ok && status[0]!.value.owner), /^key:/);

    const verified = await Promise.all([
      http(main!, runner, 'GET', `/v1/runs/${ids.http}/verify`),
      mcp(main!, runner, 'umca_run_verify', { id: ids.mcp }),
      cli(main!, ['verify', ids.cli, '--json']).then(cliOutcome),
    ]);
    assert.deepEqual(verified.map((v) => v.ok && v.value.ok), [true, true, true]);

    // A finished run cannot be cancelled, nor a run that was not blocked overridden: 409 on every door.
    const cancels = await Promise.all([http(main!, runner, 'POST', `/v1/runs/${ids.http}/cancel`, {}), mcp(main!, runner, 'umca_run_cancel', { id: ids.mcp })]);
    assert.deepEqual(cancels.map((c) => !c.ok && c.code), ['conflict', 'conflict']);
    const overrides = await Promise.all([
      http(main!, operator, 'POST', `/v1/runs/${ids.http}/override`, { reason: 'x' }),
      mcp(main!, operator, 'umca_run_override', { id: ids.http, reason: 'x' }),
      cli(main!, ['override', ids.cli, '--reason', 'x']).then(cliOutcome),
    ]);
    assert.deepEqual(overrides.map((o) => !o.ok && o.code), ['run_not_blocked', 'run_not_blocked', 'run_not_blocked']);
  });

  it('the same mistakes get the same codes: an unknown run, an unknown model, a missing spec, a bad egress grant', async () => {
    const cases: Array<{ name: string; http: [string, string, unknown?]; mcp: [string, Record<string, unknown>]; cli: string[]; code: string }> = [
      { name: 'unknown run', http: ['GET', '/v1/runs/no-such-run'], mcp: ['umca_run_status', { id: 'no-such-run' }], cli: ['runs', 'show', 'no-such-run'], code: 'run_not_found' },
      { name: 'verify an unknown run', http: ['GET', '/v1/runs/no-such-run/verify'], mcp: ['umca_run_verify', { id: 'no-such-run' }], cli: ['verify', 'no-such-run'], code: 'run_not_found' },
      { name: 'unknown model', http: ['POST', '/v1/runs', { spec: 'x', model: 'scripted:nope' }], mcp: ['umca_run', { spec: 'x', model: 'scripted:nope' }], cli: ['run', '--model', 'scripted:nope', 'x'], code: 'model_not_found' },
      { name: 'bad egress grant', http: ['POST', '/v1/runs', { spec: 'x', model: 'scripted:demo', allowed_outbound_hosts: ['not a host'] }], mcp: ['umca_run', { spec: 'x', model: 'scripted:demo', allowed_outbound_hosts: ['not a host'] }], cli: ['run', '--model', 'scripted:demo', '--allow-host', 'not a host', 'x'], code: 'egress_invalid' },
    ];
    for (const c of cases) {
      const [method, path, body] = c.http;
      const answers = await Promise.all([http(main!, operator, method as 'GET' | 'POST', path, body), mcp(main!, operator, ...c.mcp), cli(main!, c.cli).then(cliOutcome)]);
      assert.deepEqual(answers.map((a) => (a.ok ? 'ok' : a.code)), [c.code, c.code, c.code], c.name);
    }
    // A model whose fixture carries no spec (a real provider's): the spec is required, and the error names the field.
    const missingSpec = await Promise.all([
      http(main!, operator, 'POST', '/v1/runs', { model: 'upstream' }),
      mcp(main!, operator, 'umca_run', { model: 'upstream' }),
      cli(main!, ['run', '--model', 'upstream']).then(cliOutcome),
    ]);
    assert.deepEqual(missingSpec.map((a) => !a.ok && a.code), ['invalid_request', 'invalid_request', 'invalid_request']);
    for (const answer of missingSpec) assert.match(!answer.ok ? answer.message : '', /^spec: required/);
  });

  it('queue back-pressure: with a full queue, a new run is 429 queue_full on every door', async () => {
    const idleRunner = await key(idle!, 'runner');
    const first = await http(idle!, idleRunner, 'POST', '/v1/runs', { model: 'scripted:demo' });
    assert.ok(first.ok, 'the first run waits in the queue');
    // The depth is asked at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const answers = await Promise.all([
      http(idle!, idleRunner, 'POST', '/v1/runs', { model: 'scripted:demo' }),
      mcp(idle!, idleRunner, 'umca_run', { model: 'scripted:demo' }),
      cli(idle!, ['run', '--model', 'scripted:demo']).then(cliOutcome),
    ]);
    assert.deepEqual(answers.map((a) => !a.ok && a.code), ['queue_full', 'queue_full', 'queue_full']);
  });
});

describe('team policies hold on every door', () => {
  it('a model forbidden to a role: runners refused premium over HTTP and MCP, operators served; nobody gets the banned one, the CLI included', async () => {
    const premium = await Promise.all([http(main!, runner, 'POST', '/v1/runs', { model: 'scripted:premium' }), mcp(main!, runner, 'umca_run', { model: 'scripted:premium' })]);
    assert.deepEqual(premium.map((a) => !a.ok && a.code), ['forbidden', 'forbidden']);
    for (const answer of premium) assert.match(!answer.ok ? answer.message : '', /use-model Model scripted:premium.*premium-for-operators/);
    assert.ok((await http(main!, operator, 'POST', '/v1/runs', { model: 'scripted:premium' })).ok, 'an operator may');

    const banned = await Promise.all([
      http(main!, operator, 'POST', '/v1/runs', { model: 'scripted:banned' }),
      mcp(main!, operator, 'umca_run', { model: 'scripted:banned' }),
      cli(main!, ['run', '--model', 'scripted:banned']).then(cliOutcome),
    ]);
    assert.deepEqual(banned.map((a) => !a.ok && a.code), ['forbidden', 'forbidden', 'forbidden']);
    for (const answer of banned) assert.match(!answer.ok ? answer.message : '', /banned-model/);
  });

  it("read-run limited to the run's owner: another runner, an operator and the CLI are refused a runner's run and do not list it", async () => {
    const started = await http(main!, runner, 'POST', '/v1/runs', { model: 'scripted:demo' });
    assert.ok(started.ok);
    const id = String(started.value.id);
    assert.ok((await http(main!, runner, 'GET', `/v1/runs/${id}`)).ok, 'its owner reads it');
    const refused = await Promise.all([
      http(main!, otherRunner, 'GET', `/v1/runs/${id}`),
      http(main!, operator, 'GET', `/v1/runs/${id}/verify`),
      mcp(main!, otherRunner, 'umca_run_status', { id }),
      mcp(main!, operator, 'umca_run_events', { id }),
      cli(main!, ['runs', 'show', id]).then(cliOutcome),
      cli(main!, ['verify', id]).then(cliOutcome),
    ]);
    assert.deepEqual(refused.map((a) => !a.ok && a.code), Array(6).fill('forbidden'));
    const lists = await Promise.all([
      http(main!, operator, 'GET', '/v1/runs?limit=500'),
      mcp(main!, otherRunner, 'umca_runs', { limit: 500 }),
      cli(main!, ['runs', '--json', '--limit', '500']).then((r) => ({ ok: true as const, value: { data: JSON.parse(r.stdout) as unknown } })),
    ]);
    for (const list of lists) assert.ok(list.ok && !(list.value.data as Array<{ id: string }>).some((run) => run.id === id), 'not listed');
  });
});

describe('the CLI beside a running server (it holds the embedded store)', () => {
  it('keys, usage and runs work; the server records where it is for its owner only, and forgets it when it stops', async () => {
    const record = join(String(main!.where.env.UMCA_HOME), 'server.json');
    assert.equal(statSync(record).mode & 0o777, 0o600);
    const listed = await cli(main!, ['keys', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as unknown[]).length >= 3);
    const made = await cli(main!, ['keys', 'create', '--role', 'runner', '--name', 'ci']);
    assert.equal(made.code, 0, made.stderr);
    const me = await fetch(`${main!.base}/v1/me`, { headers: { authorization: `Bearer ${made.stdout.trim()}` } });
    assert.equal(me.status, 200, 'the key the CLI made through the server works at once');
    const usage = await cli(main!, ['usage', '--json']);
    assert.equal(usage.code, 0, usage.stderr);
    assert.ok((JSON.parse(usage.stdout) as Array<{ key: string; requests: number }>).some((row) => row.key === 'scripted:demo' && row.requests > 0));
    const revoked = await cli(main!, ['keys', 'revoke', /^umca_([0-9a-f]{12})_/.exec(made.stdout)![1]!]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await fetch(`${main!.base}/v1/me`, { headers: { authorization: `Bearer ${made.stdout.trim()}` } })).status, 401);
    // Only the state dir's owner can read the token; a forged one is just a bad key.
    assert.equal((await fetch(`${main!.base}/v1/runs`, { headers: { authorization: 'Bearer umca_local_forged' } })).status, 401);
  });

  it('umca mcp relays an IDE to the server', async () => {
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const client = new Client({ name: 'ide', version: '1' });
    const env = Object.fromEntries(Object.entries(main!.where.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
    await client.connect(new StdioClientTransport({ command: process.execPath, args: cliArgs('mcp'), cwd: main!.where.cwd, env, stderr: 'pipe' }));
    try {
      const listed = (await client.callTool({ name: 'umca_runs', arguments: { limit: 5 } })) as CallToolResult;
      assert.ok(!listed.isError, JSON.stringify(listed.content));
      const runs = (listed.structuredContent as { data: Array<{ owner: string }> }).data;
      assert.ok(runs.length > 0 && runs.every((run) => run.owner === 'user:local'), 'the server answers, as user:local');
    } finally {
      await client.close();
    }
  });

  it('after the server stops, the CLI opens the state dir itself', async () => {
    const { where } = idle!;
    await stop(idle);
    idle = undefined;
    assert.equal((await runCli(['runs', '--json'], where)).code, 0);
    const listed = await runCli(['keys', 'list', '--json'], where);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as Array<{ role: string }>).map((k) => k.role), ['runner'], 'the key made through the server is in its state dir');
  });
});
