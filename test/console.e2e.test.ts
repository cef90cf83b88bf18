/// <reference lib="dom" />
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.js';
import { stringify } from 'yaml';
import { exited, runCli, scratch, startCli, waitForLine } from './support/cli.js';
import { TestIssuer } from './support/oidc-issuer.js';
import { demoFixture, DEMO_SPEC, scriptedFixtureFile } from './support/scripted.js';
import { CALC_TICKET, calcFixModel, calcRepo } from './support/calc-repo.js';
import { makeRepo } from './support/git-repo.js';

// The web console in Debian's Chromium, against `umca serve` with scripted models.
const SHOTS = new URL('../test-results/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the web console, in Chromium', () => {
  const where = scratch();
  let port: number;
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let base: string;

  const serve = async () => {
    server = startCli(['serve'], where);
    await waitForLine(server, (line) => line.startsWith('umca listening on'));
  };

  before(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const fixture = demoFixture();
    const partialPlan = JSON.parse(fixture.replies.planner![0] as string) as { requirements: Array<{ id: string }> };
    partialPlan.requirements = partialPlan.requirements.filter((r) => r.id !== 'R3' && r.id !== 'R5');
    const blocked = scriptedFixtureFile({ ...fixture, name: 'blocked', replies: { ...fixture.replies, planner: [JSON.stringify(partialPlan)] } }).model;
    const slow = scriptedFixtureFile({ ...fixture, name: 'slow', replies: { ...fixture.replies, coder: fixture.replies.coder!.map((c) => ({ content: c as string, delay_ms: 2_500 })) } }).model;
    // Dense search weighed in, so the playground has two retrievers' scores to show.
    writeFileSync(join(where.cwd, 'umca.yaml'), stringify({ model: 'scripted:demo', server: { port }, aliases: { 'gate-blocks': [blocked], 'slow-coder': [slow] }, knowledge: { dense_weight: 0.5 } }));
    await serve();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    server.kill('SIGTERM');
    await exited(server);
  });

  const startRun = async (model: string, spec = DEMO_SPEC) => {
    await page.goto(`${base}/new`);
    await page.getByLabel('What should umca build?').fill(spec);
    await page.getByLabel('Model').selectOption(model);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    return page.url().split('/').at(-1)!;
  };

  it('will not submit an empty spec, and shows an API error where the user acted', async () => {
    await page.goto(`${base}/new`);
    await page.getByRole('heading', { name: 'New run' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Start' }).isDisabled(), true, 'Start is off while the spec is empty');
    await page.getByLabel('What should umca build?').fill('   ');
    assert.equal(await page.getByRole('button', { name: 'Start' }).isDisabled(), true);
    await page.getByLabel('What should umca build?').fill('a slugify function');
    await page.getByLabel(/Network for the tests/).fill('not a host');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /allowed_outbound_hosts: /);
    assert.match(page.url(), /\/new$/, 'still on the form, the input kept');
    await page.screenshot({ path: join(SHOTS, 'console-new-run.png'), fullPage: true });
  });

  it('submits a spec from the examples and watches it complete live: steps, gates, tests', async () => {
    await page.goto(`${base}/new`);
    await page.getByRole('button', { name: 'demo' }).click();
    assert.equal(await page.getByLabel('What should umca build?').inputValue(), DEMO_SPEC);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.waitForURL(/\/runs\//);
    await page.getByRole('heading', { name: 'completed after 2 attempts' }).waitFor({ timeout: 30_000 });
    const steps = page.getByRole('region', { name: 'steps' });
    assert.match(await steps.innerText(), /gate g1-plan[\s\S]*passed[\s\S]*judge: Every criterion/);
    assert.match(await steps.innerText(), /✗ strips accents — AssertionError/);
    assert.match(await steps.innerText(), /coder ← scripted:demo .*tokens, \$0/);
    await page.screenshot({ path: join(SHOTS, 'console-run.png'), fullPage: true });
  });

  it('opens an artifact in the viewer', async () => {
    await page.getByRole('button', { name: 'slugify.ts', exact: true }).click();
    const viewer = page.locator('.viewer figure');
    await viewer.getByText("normalize('NFD')").waitFor();
    assert.match(await viewer.innerText(), /export function slugify/);
    await page.screenshot({ path: join(SHOTS, 'console-artifact.png') });
  });

  it("verifies the run's hash chain and shows the raw log", async () => {
    await page.getByRole('link', { name: 'audit and verify' }).click();
    await page.getByText(/✓ Chain intact:/).waitFor();
    assert.match(await page.locator('.verify').innerText(), /Chain intact: \d+ events, head [0-9a-f]{64}/);
    await page.getByRole('log').getByText('"type":"run.created"').waitFor();
    await page.screenshot({ path: join(SHOTS, 'console-audit.png'), fullPage: true });
  });

  it("shows a blocked run's reason", async () => {
    await startRun('gate-blocks');
    const outcome = page.getByRole('region', { name: 'outcome' });
    await outcome.waitFor({ timeout: 30_000 });
    assert.match(await outcome.innerText(), /blocked by gate g1-plan[\s\S]*4 of 6 spec requirements are in the plan; missing: "strips accents \(é -> e\)"/);
    assert.equal(await page.getByRole('button', { name: 'Override block…' }).isEnabled(), true, 'local mode is an admin');
    await page.screenshot({ path: join(SHOTS, 'console-blocked.png'), fullPage: true });
    // An operator lets it go on: the reason is asked for, then the run goes on live.
    await page.getByRole('button', { name: 'Override block…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Override the block' });
    assert.equal(await dialog.getByRole('button', { name: 'Override' }).isDisabled(), true, 'not without a reason');
    await dialog.getByLabel('Why').fill('the acceptance criteria cover both rules');
    await dialog.getByRole('button', { name: 'Override' }).click();
    await page.getByText('↷ gate g1-plan overridden by user:local: the acceptance criteria cover both rules').waitFor({ timeout: 15_000 });
    await page.getByRole('heading', { name: 'completed after 2 attempts' }).waitFor({ timeout: 30_000 });
  });

  it('cancels a running run', async () => {
    await startRun('slow-coder');
    await page.getByText('● live').waitFor();
    await page.getByText(/coder/).first().waitFor();
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('heading', { name: 'cancelled through the API' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.badge').first().innerText(), 'cancelled');
  });

  it('says a run id that does not exist is no run, with no Cancel button', async () => {
    await page.goto(`${base}/runs/00000000-0000-4000-8000-000000000000`);
    await page.getByRole('alert').getByText(/There is no run with the id/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel' }).count(), 0);
  });

  it('lists runs with filters, search and duration and cost columns', async () => {
    await page.goto(`${base}/runs`);
    await page.getByRole('table').getByText('completed').first().waitFor();
    assert.deepEqual(await page.getByRole('columnheader').allInnerTexts(), ['status', 'spec', 'model', 'created', 'duration', 'cost']);
    await page.getByLabel('Status').selectOption('blocked');
    await page.waitForURL(/status=blocked/);
    await page.waitForFunction(() => Array.from(document.querySelectorAll('tbody .badge')).every((b) => b.textContent === 'blocked'));
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Search the specs').fill('no such words');
    await page.getByText('No runs match.').waitFor();
    await page.getByLabel('Search the specs').fill('slugify');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr .badge').length >= 3);
    await page.screenshot({ path: join(SHOTS, 'console-runs.png'), fullPage: true });
  });

  it("shows knowledge bases and their documents, and searches them in a playground that shows each retriever's score and opens a chunk", async () => {
    mkdirSync(join(where.cwd, 'notes'), { recursive: true });
    writeFileSync(join(where.cwd, 'notes', 'leases.md'), '# Leases\n\n## Renewal\n\nA worker renews its lease every ten seconds, so no other worker takes the run while it lives.\n');
    writeFileSync(join(where.cwd, 'notes', 'gates.md'), '# Gates\n\nThe provenance gate checks every quoted passage against the stored chunk and its sha256.\n');
    for (const args of [['kb', 'create', 'team-docs'], ['kb', 'add', 'team-docs', 'notes']]) {
      const result = await runCli(args, where);
      assert.equal(result.code, 0, result.stderr);
    }
    await page.goto(`${base}/kb`);
    await page.getByRole('link', { name: 'team-docs' }).click();
    await page.getByRole('heading', { name: 'team-docs' }).waitFor();
    await page.getByRole('cell', { name: 'notes/leases.md' }).waitFor();
    await page.getByLabel('Query').fill('how often is the lease renewed');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('table', { name: 'Search results' });
    const first = results.locator('tbody tr').first();
    await first.waitFor();
    assert.match(await first.innerText(), /notes\/leases\.md › Leases > Renewal/);
    const [bm25, dense] = await first.locator('td').nth(3).innerText().then(async (b) => [b, await first.locator('td').nth(4).innerText()]);
    assert.match(bm25!, /^#1 · \d+\.\d{3}$/, 'BM25 rank and score');
    assert.match(dense!, /^#\d+ · -?\d\.\d{3}$/, 'dense rank and cosine');
    await first.getByRole('button').click();
    const chunk = page.getByRole('region', { name: 'Chunk' });
    await chunk.getByText(/renews its lease every ten seconds/).waitFor();
    assert.match(await chunk.innerText(), /sha256\s+[0-9a-f]{64}/);
    await page.getByLabel('Mode').selectOption('bm25');
    await page.getByLabel('Query').fill('zzzz-nothing-like-this');
    await page.getByRole('button', { name: 'Search' }).click();
    await results.getByText('Nothing matches.').waitFor();
    await page.screenshot({ path: join(SHOTS, 'console-knowledge.png'), fullPage: true });
  });

  it("shows a run on a repository: the branch it handed back, its diff beside the repository's test results", async () => {
    const repo = makeRepo(calcRepo());
    const model = calcFixModel();
    const ran = await runCli(['run', '--json', '--model', model, '--repo', repo, CALC_TICKET], where);
    assert.equal(ran.code, 0, ran.stderr);
    const runId = (JSON.parse(ran.stdout.trim().split('\n')[0]!) as { run_id: string }).run_id;
    await page.goto(`${base}/runs/${runId}`);
    const change = page.getByRole('region', { name: 'change' });
    await change.getByText(`Branch umca/${runId}`).waitFor({ timeout: 30_000 });
    await change.locator('.diff-add', { hasText: '+  return a + b;' }).waitFor();
    assert.match(await change.locator('.diff-del').allInnerTexts().then((lines) => lines.join('\n')), /-  return a - b;/);
    assert.match(await change.getByRole('list', { name: 'changed files' }).innerText(), /modified src\/calc\.js \+1 −1/);
    assert.match(await change.getByLabel('repository tests').innerText(), /1 passed, 0 failed[\s\S]*✓ adds/);
    await page.screenshot({ path: join(SHOTS, 'console-repo-run.png'), fullPage: true });
  });

  it('shows settings read-only: providers with a reachability check, usage, policies', async () => {
    await page.goto(`${base}/settings`);
    await page.getByRole('heading', { name: 'Policies in force (cedar)' }).waitFor();
    await page.getByRole('row', { name: /scripted/ }).getByRole('button', { name: 'Check' }).click();
    await page.getByText('✓ scripted replies, offline').waitFor();
    await page.getByText('default.cedar').click();
    assert.match(await page.locator('details[open] pre').innerText(), /@id\("runners-run"\)/);
    assert.equal(await page.locator('svg.chart rect').count() > 0, true, 'spend per day as a chart');
    await page.screenshot({ path: join(SHOTS, 'console-settings.png'), fullPage: true });
  });

  it('reconnects after the server restarts mid-run, without losing or repeating events', async () => {
    const id = await startRun('slow-coder');
    await page.getByText('● live').waitFor();
    await page.getByText(/coder/).first().waitFor();
    server.kill('SIGKILL');
    await exited(server);
    await page.getByText('↻ reconnecting…').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, 'console-reconnecting.png') });
    await serve();
    await page.getByRole('heading', { name: 'completed after 2 attempts' }).waitFor({ timeout: 60_000 });
    assert.match(await page.getByRole('region', { name: 'steps' }).innerText(), /resumed 1 time; finished steps were kept/);
    // Each step once in the timeline, and the event count matches the log.
    const keys = await page.locator('.timeline > li').evaluateAll((items) => items.map((item) => item.getAttribute('data-step') ?? ''));
    assert.equal(new Set(keys).size, keys.length, `no step shown twice: ${keys.join(', ')}`);
    const verify = (await (await fetch(`${base}/v1/runs/${id}/verify`)).json()) as { events: number; ok: boolean };
    assert.equal(verify.ok, true);
    assert.match(await page.locator('.facts').innerText(), new RegExp(`events\\s*${verify.events}\\b`));
  });

  it('is usable on a phone-sized screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await phone.goto(`${base}/runs`);
    await phone.getByRole('heading', { name: 'Runs' }).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px)`);
    await phone.screenshot({ path: join(SHOTS, 'console-phone.png'), fullPage: true });
    await phone.close();
  });
});

describe('the web console with sign-in (auth.mode: token), in Chromium', () => {
  const where = scratch();
  let issuer: TestIssuer;
  let server: ChildProcess;
  let browser: Browser;
  let base: string;
  let runnerKey: string;

  before(async () => {
    issuer = await TestIssuer.start();
    issuer.signInAs = { sub: 'olga', claims: { roles: ['operator'] } };
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writeFileSync(join(where.cwd, 'umca.yaml'), stringify({ model: 'scripted:demo', server: { port }, auth: { mode: 'token', oidc: { issuer: issuer.issuer, audience: 'umca', client_id: 'umca-console' } } }));
    const created = await runCli(['keys', 'create', '--role', 'runner', '--name', 'browser', '--json'], where);
    runnerKey = (JSON.parse(created.stdout) as { key: string }).key;
    server = startCli(['serve'], where);
    await waitForLine(server, (line) => line.startsWith('umca listening on'));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    server.kill('SIGTERM');
    await exited(server);
    await issuer.close();
  });

  it('signs in with an API key, and greys out what policy does not allow a runner, saying why', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/new`);
    await page.waitForURL(/\/signin\?next=%2Fnew$/);
    await page.getByLabel('API key').fill('umca_000000000000_not-a-real-key-at-all-but-long-enough-to-look-real');
    await page.getByRole('button', { name: 'Sign in with the key' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /Sign in again\./);
    await page.screenshot({ path: join(SHOTS, 'console-sign-in.png') });
    await page.getByLabel('API key').fill(runnerKey);
    await page.getByRole('button', { name: 'Sign in with the key' }).click();
    await page.waitForURL(/\/new$/);
    await page.getByText(/^key:[0-9a-f]+ \(runner\)$/).waitFor();
    const process = page.getByRole('radio', { name: /a process \(bubblewrap\)/ });
    assert.equal(await process.isDisabled(), true);
    assert.match(await page.locator('fieldset.runtime').innerText(), /not allowed: runner: no policy permits it/);
    assert.equal(await page.getByLabel(/Network for the tests/).isDisabled(), true);
    // A run started in the browser belongs to the key.
    await page.getByRole('button', { name: 'demo' }).click();
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('heading', { name: 'completed after 2 attempts' }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator('.facts').innerText(), /by\s+key:/);
    await page.close();
  });

  it('signs in through the OIDC issuer (authorization code with PKCE) and calls the API with the token', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/runs`);
    await page.waitForURL(/\/signin/);
    await page.getByRole('button', { name: /Sign in with 127\.0\.0\.1:\d+/ }).click();
    await page.waitForURL(`${base}/runs`, { timeout: 20_000 });
    await page.getByText('user:olga (operator)').waitFor();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.getByRole('table').getByText('completed').first().waitFor();
    await page.goto(`${base}/settings`);
    await page.getByRole('row', { name: /scripted/ }).getByRole('button', { name: 'Check' }).waitFor();
    assert.equal(await page.getByRole('row', { name: /scripted/ }).getByRole('button', { name: 'Check' }).isEnabled(), true, 'operators check reachability');
    await page.close();
  });
});
