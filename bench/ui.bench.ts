// npm run bench:ui — the web console: the production bundle's initial JS (gzip), the time from
// navigation to the first event shown for a running run, and a run of 10,000 events (load and
// scroll, with the longest task the main thread ran) — in Debian's Chromium, against umca serve.
// Must: initial JS <= 250 KB gzip; 10,000 events render without freezing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { draft, type EventDraft } from '../src/core/events.js';
import { FixtureCatalog } from '../src/gateway/providers/scripted/fixture-catalog.js';
import { openPgliteStore } from '../src/store/pglite/pglite-driver.js';
import { launchChromium } from '../test/support/chromium.js';
import { waitForLine } from '../test/support/cli.js';

const DIST = fileURLToPath(new URL('../ui/dist/', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const STEPS = 2_000; // 5 events each, with the run's first and last: 10,002 events

// 1. The bundle: what index.html loads before anything renders.
const html = readFileSync(join(DIST, 'index.html'), 'utf8');
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
const sizes = initial.map((file) => ({ file, raw: readFileSync(join(DIST, file)).length, gzip: gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length }));
const jsGzip = sizes.filter((s) => s.file.endsWith('.js')).reduce((sum, s) => sum + s.gzip, 0);

// 2. A state dir with a run of 10,000 events, and a server with a slow model for live runs.
const cwd = mkdtempSync(join(tmpdir(), 'umca-bench-ui-'));
const home = join(cwd, '.umca');
const store = await openPgliteStore(join(home, 'pglite'));
const bigId = '00000000-0000-4000-8000-00000000b16e';
await store.createRun({ id: bigId, spec: 'A long run: 2,000 steps', model: 'scripted:demo', trace_id: 'b'.repeat(32) }, [draft('run.created', 'user:local', { spec: 'A long run: 2,000 steps', model: 'scripted:demo', scripted: true })]);
let batch: EventDraft[] = [draft('run.started', 'engine', { worker: 'bench' })];
for (let i = 0; i < STEPS; i += 1) {
  const step = `step#${i}`;
  batch.push(
    draft('step.started', 'engine', { step, kind: 'agent', attempt: 1 }),
    draft('model.request', 'agent:coder', { step, role: 'coder', provider: 'scripted', model: 'scripted:demo', messages: 1, prompt_chars: 100 }),
    draft('model.response', 'agent:coder', { step, role: 'coder', provider: 'scripted', model: 'scripted:demo', finish_reason: 'stop', usage: { input_tokens: 25, output_tokens: 40 }, latency_ms: 12, content: `reply ${i}` }),
    draft('tool.result', 'tool:everything.echo', { step, call_id: `${step}:1`, tool: 'everything.echo', status: 'ok', duration_ms: 2, size_bytes: 40, content: `echo ${i}` }),
    draft('step.completed', 'engine', { step, duration_ms: 15 }),
  );
  if (batch.length >= 1_000) {
    await store.commit(bigId, { events: batch, status: 'running' });
    batch = [];
  }
}
await store.commit(bigId, { events: [...batch, draft('run.completed', 'engine', { artifacts: 0, attempts: 1, duration_ms: 1 })], status: 'completed' });
const events = (await store.readEvents(bigId)).length;
await store.close();

const probe = createServer();
await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
const port = (probe.address() as { port: number }).port;
await new Promise<void>((resolve) => probe.close(() => resolve()));
const slow = join(cwd, 'fixtures', 'slow.yaml');
mkdirSync(join(cwd, 'fixtures'));
writeFileSync(slow, stringify({ ...(await new FixtureCatalog().load('demo')), name: 'slow', delay_ms: 1_500 }));
writeFileSync(join(cwd, 'umca.yaml'), stringify({ model: 'scripted:slow', scripted: { fixtures_dir: 'fixtures' }, server: { port } }));
const server: ChildProcess = spawn(process.execPath, [BUILT, 'serve'], { cwd, env: { ...process.env, UMCA_HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] });
await waitForLine(server, (line) => line.startsWith('umca listening on'));
const base = `http://127.0.0.1:${port}`;

const browser = await launchChromium();
try {
  // 3. Navigation to the first event shown, for a run that is running.
  const firsts: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const created = (await (await fetch(`${base}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { id: string };
    const page = await browser.newPage();
    await page.goto(`${base}/runs/${created.id}`);
    await page.locator('.facts:not([data-events="0"])').waitFor();
    firsts.push(await page.evaluate(() => performance.now()));
    await page.close();
    await fetch(`${base}/v1/runs/${created.id}/cancel`, { method: 'POST' });
  }
  firsts.sort((a, b) => a - b);

  // 4. 10,000 events: the live view (virtualized timeline) and the audit log, loaded then scrolled.
  const heavy = async (path: string, ready: string, scroll: string) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(() => {
      // Two views of a freeze: the long tasks Chromium reports, and the longest the main thread was busy.
      const w = window as unknown as { longTasks: number[]; frameGap: number };
      w.longTasks = [];
      w.frameGap = 0;
      try {
        new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
      } catch {
        // Long tasks are not reported here: the frame gaps still are.
      }
      // A 10 ms heartbeat: how late it fires is how long the main thread was busy.
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        w.frameGap = Math.max(w.frameGap, now - last - 10);
        last = now;
      }, 10);
    });
    await page.goto(`${base}${path}`);
    await page.getByText(ready).first().waitFor({ timeout: 60_000 });
    const loaded = await page.evaluate(() => performance.now());
    const loadTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks.splice(0));
    const loadGap = await page.evaluate(() => {
      const w = window as unknown as { frameGap: number };
      const gap = w.frameGap;
      w.frameGap = 0;
      return gap;
    });
    const scrollStarted = Date.now();
    for (let i = 1; i <= 20; i += 1) {
      await page.evaluate(([selector, fraction]) => {
        const target = selector === 'window' ? document.scrollingElement! : document.querySelector(selector as string)!;
        target.scrollTop = (target.scrollHeight - target.clientHeight) * (fraction as number);
        return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      }, [scroll, i / 20] as const);
    }
    const scrollMs = Date.now() - scrollStarted;
    const scrollTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    const scrollGap = await page.evaluate(() => (window as unknown as { frameGap: number }).frameGap);
    const rendered = await page.evaluate((selector) => document.querySelectorAll(selector).length, scroll === 'window' ? '.timeline > li' : '.log-line');
    await page.close();
    void scrollMs;
    return { loaded, loadLongest: Math.max(0, ...loadTasks), loadGap, scrollLongest: Math.max(0, ...scrollTasks), scrollGap, rendered };
  };
  const view = await heavy(`/runs/${bigId}`, 'completed after 1 attempt', 'window');
  const audit = await heavy(`/runs/${bigId}/audit`, '"type":"run.created"', '.event-log');

  console.log('\nbundle loaded by index.html:');
  for (const s of sizes) console.log(`  ${s.file}: ${(s.raw / 1024).toFixed(1)} KB, ${(s.gzip / 1024).toFixed(1)} KB gzip`);
  console.log(`initial JS = ${(jsGzip / 1024).toFixed(1)} KB gzip (must <= 250): ${jsGzip <= 250 * 1024 ? 'met' : 'NOT met'}`);
  console.log(`\nnavigation -> first event shown, a running run (5 loads): median ${firsts[2]!.toFixed(0)} ms (${firsts.map((f) => f.toFixed(0)).join(', ')})`);
  console.log(`\nrun of ${events} events (${STEPS} steps):`);
  console.log('| view | loaded in | loading: longest task / main thread busy | scrolling (20 jumps, top to bottom): longest task / main thread busy | rows in the page |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, r, total] of [['run view (virtualized timeline)', view, STEPS], ['audit log (virtualized)', audit, events]] as const)
    console.log(`| ${name} | ${r.loaded.toFixed(0)} ms | ${r.loadLongest.toFixed(0)} / ${r.loadGap.toFixed(0)} ms | ${r.scrollLongest.toFixed(0)} / ${r.scrollGap.toFixed(0)} ms | ${r.rendered} of ${total} |`);
  const frozen = Math.max(view.scrollGap, audit.scrollGap, view.scrollLongest, audit.scrollLongest);
  console.log(`\nlongest stall while scrolling 10,000 events: ${frozen.toFixed(0)} ms (no freeze: under 100 ms): ${frozen < 100 ? 'met' : 'NOT met'}`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
