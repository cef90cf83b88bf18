// npm run bench:gateway — the gateway against the same trivial upstream driven directly,
// and against Portkey's gateway (@portkey-ai/gateway, installed on demand into bench/.portkey).
// Prints: added latency p50/p99 at concurrency 1 (plain and streamed), the throughput ratio at
// concurrency 256 with a 100 ms upstream, and CPU time per 1,000 requests, umca vs Portkey.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 3000);
const CPU_REQUESTS = Number(process.env.BENCH_CPU_REQUESTS ?? 6000);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 8);
const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function start(command: string, args: string[], ready: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${command} ${args.join(' ')} did not start: ${seen.slice(-300)}`)), 60_000);
    const onData = (data: Buffer) => {
      seen += data.toString();
      const match = ready.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  model: string;
  /** The Responses API's body instead of chat completions'. */
  responses?: boolean;
}

const body = (model: string, stream: boolean, responses = false) =>
  JSON.stringify(responses ? { model, stream, input: 'hi' } : { model, stream, messages: [{ role: 'user', content: 'hi' }] });

/** Sequential requests on one keep-alive connection, timed to the microsecond. */
async function latency(target: Target, stream: boolean, count: number): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const payload = body(target.model, stream, target.responses);
  const times: number[] = [];
  for (let i = 0; i < count + 200; i += 1) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const req = request(target.url, { method: 'POST', agent, headers: { ...target.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${target.name}: HTTP ${res.statusCode}`));
        res.on('data', () => undefined);
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(payload);
    });
    if (i >= 200) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]! };
}

async function load(target: Target, options: { connections: number; duration?: number; amount?: number; model?: string }) {
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: { ...target.headers, 'content-type': 'application/json' },
    body: body(options.model ?? target.model, false),
    connections: options.connections,
    ...(options.duration ? { duration: options.duration } : {}),
    ...(options.amount ? { amount: options.amount } : {}),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

/** user + system CPU time of a process, in ms (from /proc; 100 ticks a second). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function cpuPer1000(target: Target, pid: number): Promise<number> {
  await load(target, { connections: 16, amount: 1_000 }); // warm-up
  const before = cpuMs(pid);
  await load(target, { connections: 16, amount: CPU_REQUESTS });
  return ((cpuMs(pid) - before) / CPU_REQUESTS) * 1000;
}

function portkeyServer(): string {
  const dir = join(ROOT, 'bench', '.portkey');
  const entry = join(dir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  if (!existsSync(entry)) {
    process.stderr.write('installing @portkey-ai/gateway into bench/.portkey …\n');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
    const installed = spawnSync('npm', ['install', '--no-fund', '--no-audit', '@portkey-ai/gateway'], { cwd: dir, stdio: 'inherit' });
    if (installed.status !== 0) throw new Error('could not install @portkey-ai/gateway');
  }
  return entry;
}

const fmt = (n: number) => n.toFixed(3);

const { match: up } = await start(process.execPath, ['--import', 'tsx', 'bench/support/fast-upstream.ts'], /listening (\d+)/);
const upstreamUrl = `http://127.0.0.1:${up[1]}/v1`;

const home = mkdtempSync(join(tmpdir(), 'umca-gw-bench-'));
writeFileSync(join(home, 'umca.yaml'), `providers:\n  fake: { type: openai-compatible, base_url: ${upstreamUrl}, model: echo }\nserver: { port: 0 }\n`);
// BENCH_UMCA_NODE_FLAGS: Node flags for umca's process only, e.g. --max-semi-space-size=32 (docs/benchmarks.md).
const umcaFlags = (process.env.BENCH_UMCA_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const { child: umcaChild, match: umcaUrl } = await start(process.execPath, [...umcaFlags, join(ROOT, 'dist', 'cli', 'main.js'), 'serve'], /listening on (http:\/\/\S+)/, { cwd: home });
const { match: bare } = await start(process.execPath, ['--import', 'tsx', 'bench/support/bare-proxy.ts', upstreamUrl], /listening (\d+)/);
const { child: portkeyChild } = await start(process.execPath, [portkeyServer(), '--port=18787', '--headless'], /(8787|Ready|ready|listening|running)/i);
await new Promise((r) => setTimeout(r, 1_000));

const direct: Target = { name: 'direct', url: `${upstreamUrl}/chat/completions`, headers: { authorization: 'Bearer sk-bench' }, model: 'echo' };
const umca: Target = { name: 'umca', url: `${umcaUrl[1]}/v1/chat/completions`, headers: { authorization: 'Bearer sk-bench' }, model: 'fake' };
const umcaResponses: Target = { name: 'umca responses', url: `${umcaUrl[1]}/v1/responses`, headers: { authorization: 'Bearer sk-bench' }, model: 'fake', responses: true };
const floor: Target = { name: 'bare node:http+undici proxy', url: `http://127.0.0.1:${bare[1]}/v1/chat/completions`, headers: {}, model: 'echo' };
const portkey: Target = {
  name: 'portkey',
  url: 'http://127.0.0.1:18787/v1/chat/completions',
  headers: { authorization: 'Bearer sk-bench', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstreamUrl },
  model: 'echo',
};

console.log(`# bench:gateway — ${new Date().toISOString()}, node ${process.version}${umcaFlags.length ? `, umca run with ${umcaFlags.join(' ')}` : ''}`);
for (const stream of [false, true]) {
  const d = await latency(direct, stream, LATENCY_REQUESTS);
  const u = await latency(umca, stream, LATENCY_REQUESTS);
  // Portkey's gateway 1.15 answers every streamed request through it with 500 ("TypeError: immutable").
  const p = await latency(portkey, stream, LATENCY_REQUESTS).catch((error: Error) => error);
  const kind = stream ? 'streamed' : 'plain';
  const pk = p instanceof Error ? `portkey failed (${p.message})` : `portkey p50=${fmt(p.p50)} p99=${fmt(p.p99)}`;
  const pkAdded = p instanceof Error ? 'portkey n/a' : `portkey p50=${fmt(p.p50 - d.p50)} p99=${fmt(p.p99 - d.p99)}`;
  console.log(`latency_${kind}_ms direct p50=${fmt(d.p50)} p99=${fmt(d.p99)} | umca p50=${fmt(u.p50)} p99=${fmt(u.p99)} | ${pk}`);
  console.log(`added_latency_${kind}_ms umca p50=${fmt(u.p50 - d.p50)} p99=${fmt(u.p99 - d.p99)} | ${pkAdded}`);
  // The Responses API over the same upstream, measured right after chat completions.
  const r = await latency(umcaResponses, stream, LATENCY_REQUESTS);
  console.log(`responses_over_chat_${kind}_ms p50=${fmt(r.p50 - u.p50)} p99=${fmt(r.p99 - u.p99)} (responses p50=${fmt(r.p50)}; must p50 <= 0.2)`);
}

const slowDirect = await load(direct, { connections: 256, duration: THROUGHPUT_SECONDS, model: 'slow100' });
const slowUmca = await load(umca, { connections: 256, duration: THROUGHPUT_SECONDS, model: 'fake/slow100' });
const slowFloor = await load(floor, { connections: 256, duration: THROUGHPUT_SECONDS, model: 'slow100' });
const ratio = (r: { requests: { average: number } }) => (r.requests.average / slowDirect.requests.average).toFixed(3);
console.log(
  `throughput_c256_upstream100ms direct=${slowDirect.requests.average.toFixed(0)} umca=${slowUmca.requests.average.toFixed(0)} req/s ratio=${ratio(slowUmca)}` +
    ` | bare proxy=${slowFloor.requests.average.toFixed(0)} req/s ratio=${ratio(slowFloor)}`,
);

const umcaCpu = await cpuPer1000(umca, umcaChild.pid!);
const portkeyCpu = await cpuPer1000(portkey, portkeyChild.pid!);
console.log(`cpu_ms_per_1000_requests umca=${umcaCpu.toFixed(0)} portkey=${portkeyCpu.toFixed(0)} ratio=${(umcaCpu / portkeyCpu).toFixed(3)}`);
process.exit(0);
