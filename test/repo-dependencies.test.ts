import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EventDataOf, RunEvent } from '../src/core/events.js';
import { LOCAL_PRINCIPAL } from '../src/core/principal.js';
import type { Umca } from '../src/umca.js';
import { calcFixModel, CALC_TICKET } from './support/calc-repo.js';
import { makeRepo } from './support/git-repo.js';
import { testUmca } from './support/umca.js';

/**
 * A repository whose tests need a package from npm: with egress to the registry granted, its
 * lockfile is installed once (npm ci --ignore-scripts, in the process lane) into a layer kept
 * on the host, which the next run with the same lockfile reuses read-only; without the grant
 * nothing is fetched and the log says why. The registry is the one network this machine and
 * CI reach.
 */
const LOCK = {
  name: 'calc',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'calc', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } },
    'node_modules/left-pad': {
      version: '1.3.0',
      resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz',
      integrity: 'sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQGinBN9yTQT3bFlCBy/aVx2HrNcqQGsdot8ghrjyrvMCoEA==',
      license: 'WTFPL',
    },
  },
};
const REPO = {
  'package.json': JSON.stringify({ name: 'calc', version: '1.0.0', type: 'module', scripts: { test: 'node --test' }, dependencies: { 'left-pad': '1.3.0' } }, null, 2),
  'package-lock.json': JSON.stringify(LOCK, null, 2),
  'src/calc.js': "import leftPad from 'left-pad';\nexport function add(a, b) {\n  return a - b;\n}\nexport const padded = (n) => leftPad(String(n), 3, '0');\n",
  'test/calc.test.js': "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add, padded } from '../src/calc.js';\n\ntest('adds', () => assert.equal(add(2, 3), 5));\ntest('pads', () => assert.equal(padded(7), '007'));\n",
};

let umca: Umca;
before(async () => {
  // Layers of this test's own: a lockfile installed by an earlier test process does not count.
  umca = await testUmca({ pipeline: { max_code_attempts: 1 }, repo: { layers_dir: mkdtempSync(join(tmpdir(), 'umca-layers-test-')) } });
});
after(() => umca.close());

async function runOn(repo: string, egress: string[]) {
  const created = await umca.runs.for(LOCAL_PRINCIPAL).startHere({ spec: CALC_TICKET, model: calcFixModel(), repo, ...(egress.length ? { allowed_outbound_hosts: egress } : {}) });
  const ended = await umca.engine.execute(created.id);
  const events = await umca.store.readEvents(created.id);
  const started = events.filter((e): e is Extract<RunEvent, { type: 'sandbox.started' }> => e.type === 'sandbox.started').map((e) => e.data);
  const finished = events.filter((e) => e.type === 'sandbox.finished').map((e) => e.data as EventDataOf<'sandbox.finished'>);
  return { run: ended, started, finished, events };
}

describe("a repository's npm dependencies", () => {
  it('are installed from its lockfile once, where the registry is granted, and the layer is reused by the next run', async () => {
    const first = await runOn(makeRepo(REPO), ['registry.npmjs.org:443']);
    assert.equal(first.run.status, 'completed', first.run.reason ?? '');
    assert.equal(first.started.length, 2, 'the install, then the tests');
    assert.match(first.started[0]!.reason, /installing its npm dependencies from package-lock\.json/);
    assert.equal(first.finished[0]!.status, 'ok', first.finished[0]!.output);
    assert.ok(first.events.some((e) => e.type === 'sandbox.egress' && e.data.host === 'registry.npmjs.org' && e.data.allowed), 'the registry was reached through the egress proxy');
    assert.match(first.started[1]!.reason, /its npm dependencies installed now \(npm ci --ignore-scripts/);
    assert.deepEqual(first.finished[1]!.tests.map((t) => [t.name, t.ok]), [['adds', true], ['pads', true]]);

    const second = await runOn(makeRepo(REPO), ['registry.npmjs.org:443']);
    assert.equal(second.run.status, 'completed', second.run.reason ?? '');
    assert.equal(second.started.length, 1, 'no install: the layer for this lockfile is there');
    assert.match(second.started[0]!.reason, /its npm dependencies from the layer made for its lockfile/);
    assert.ok(!second.events.some((e) => e.type === 'sandbox.egress'), 'nothing fetched');
  });

  it('are not fetched without a grant for the registry, and the log says so', async () => {
    const repo = makeRepo({ ...REPO, 'package-lock.json': JSON.stringify({ ...LOCK, packages: { ...LOCK.packages, '': { ...LOCK.packages[''], description: 'another lockfile' } } }, null, 2) });
    const { run, started } = await runOn(repo, []);
    assert.equal(run.status, 'failed');
    assert.match(started[0]!.reason, /its npm dependencies are not installed: the run is not granted egress to registry\.npmjs\.org:443/);
  });
});
