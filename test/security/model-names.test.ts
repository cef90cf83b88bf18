import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Umca } from '../../src/umca.js';
import { listenUmca } from '../support/listen.js';
import { createApp } from '../../src/server/app.js';
import { demoFixture } from '../support/scripted.js';
import { testUmca } from '../support/umca.js';
import { stringify } from 'yaml';

// A model name is a caller's string: `scripted:NAME` must never make the server open a path
// the caller chose — a device that never ends, a pipe that never answers, a host file, a link.
const fixtures = mkdtempSync(join(tmpdir(), 'umca-operator-fixtures-'));
writeFileSync(join(fixtures, 'ops-demo.yaml'), stringify({ ...demoFixture(), name: 'ops-demo' }));
symlinkSync('/etc/passwd', join(fixtures, 'passwd.yaml'));
symlinkSync(join(fixtures, 'ops-demo.yaml'), join(fixtures, 'linked.yaml'));
execFileSync('mkfifo', [join(fixtures, 'fifo.yaml')]);

const HOSTILE = [
  'scripted:/dev/zero',
  'scripted:/proc/self/fd/1',
  'scripted:/proc/self/environ',
  'scripted:/etc/passwd',
  'scripted:/etc/shadow',
  'scripted:/nonexistent/file.yaml',
  'scripted:../../../../etc/passwd',
  'scripted:fixtures/scripted/demo.yaml',
  'scripted:demo.yaml',
  `scripted:${join(fixtures, 'ops-demo.yaml')}`,
  'scripted:passwd',
  'scripted:linked',
  'scripted:fifo',
  'scripted:',
  'scripted:demo\u0000',
  'scripted:no-such-fixture',
];

let umca: Umca;
let server: Awaited<ReturnType<typeof listenUmca>>;
before(async () => {
  umca = await testUmca({ scripted: { fixtures_dir: fixtures } });
  server = await listenUmca(umca);
});
after(async () => {
  await server.close();
  await umca.close();
});

describe('security: scripted model names are names, never paths', () => {
  const app = () => createApp(umca, { log: () => undefined });
  const base = () => server.base;
  const doors: Array<[string, (model: string) => Promise<Response>]> = [
    ['POST /v1/chat/completions (hot path)', (model) => fetch(`${base()}/v1/chat/completions`, json({ model, messages: [{ role: 'user', content: 'hi' }] }))],
    ['POST /v1/chat/completions streamed (hot path)', (model) => fetch(`${base()}/v1/chat/completions`, json({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }))],
    ['POST /v1/embeddings (hot path)', (model) => fetch(`${base()}/v1/embeddings`, json({ model, input: 'hi' }))],
    ['POST /v1/chat/completions (Hono)', async (model) => app().request('/v1/chat/completions', json({ model, messages: [{ role: 'user', content: 'hi' }] }))],
    ['POST /v1/runs', async (model) => app().request('/v1/runs', json({ model, spec: 'a function' }))],
    ['POST /v1/runs without a spec', async (model) => app().request('/v1/runs', json({ model }))],
  ];

  for (const [door, send] of doors) {
    it(`${door}: every hostile name is 404 model_not_found (400 nul_byte for a NUL), answered at once, saying nothing of the disk`, async () => {
      await send('scripted:demo'); // warm: the first request pays for loading policies
      const messages = new Set<string>();
      for (const model of HOSTILE) {
        const started = performance.now();
        const response = await send(model);
        const body = (await response.json()) as { error?: { code: string; message: string } };
        const nul = model.includes('\0');
        assert.equal(response.status, nul ? 400 : 404, `${door} ${JSON.stringify(model)}: ${JSON.stringify(body)}`);
        assert.equal(body.error?.code, nul ? 'nul_byte' : 'model_not_found', JSON.stringify(model));
        assert.ok(performance.now() - started < 2_000, `${JSON.stringify(model)} took ${performance.now() - started} ms`);
        // The caller's own name may be echoed in quotes; nothing else may speak of the disk.
        const said = body.error!.message.replace(/"[^"]*"/g, '"…"');
        assert.doesNotMatch(said, /\/tmp\/|\/etc\/|ENOENT|EACCES|ELOOP|EISDIR|root:/, `the answer says nothing of the file system: ${body.error!.message}`);
        messages.add(said);
      }
      assert.ok(messages.size <= 3, `present, missing and unreadable paths answer alike: ${[...messages].join(' | ')}`);
    });
  }

  it("a fixture in the operator's fixtures_dir is found by name, and /v1/models lists only shipped and configured models", async () => {
    const response = await fetch(`${base()}/v1/chat/completions`, json({ model: 'scripted:ops-demo', messages: [{ role: 'user', content: 'hi' }], metadata: { role: 'planner' } }));
    assert.equal(response.status, 200);
    const models = (await (await fetch(`${base()}/v1/models`)).json()) as { data: Array<{ id: string }> };
    assert.ok(models.data.some((m) => m.id === 'scripted:demo'));
  });
});

function json(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
