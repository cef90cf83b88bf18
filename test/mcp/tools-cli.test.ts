import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { runCli, scratch } from '../support/cli.js';
import { EVERYTHING_STDIO } from '../support/mcp-everything.js';

describe('umca tools', () => {
  it('starts each configured server and lists its tools, and says why a server is not available (exit 1)', async () => {
    const where = scratch();
    writeFileSync(join(where.cwd, 'umca.yaml'), stringify({ mcp: { servers: { everything: EVERYTHING_STDIO, broken: { type: 'stdio', command: 'no-such-mcp-server' } } } }));
    const listed = await runCli(['tools'], where);
    assert.equal(listed.code, 1, listed.stderr);
    assert.match(listed.stdout, /^everything \(stdio: .*server-everything.* stdio\): ready, \d+ tools$/m);
    assert.match(listed.stdout, /^ {2}everything\.get-sum +Returns the sum of two numbers$/m);
    assert.match(listed.stdout, /^broken \(stdio: no-such-mcp-server\): not available — server broken is down \(cannot start no-such-mcp-server: ENOENT\)/m);
    const json = JSON.parse((await runCli(['tools', '--json'], where)).stdout) as Array<{ server: string; available: boolean; tools: Array<{ name: string }> }>;
    assert.deepEqual(json.map((s) => [s.server, s.available]), [['everything', true], ['broken', false]]);
    assert.ok(json[0]!.tools.some((t) => t.name === 'everything.echo'));
  });

  it('names the field of a bad server entry, and a variable that is not set', async () => {
    const where = scratch();
    writeFileSync(join(where.cwd, 'umca.yaml'), stringify({ mcp: { servers: { remote: { type: 'http' } } } }));
    const missingUrl = await runCli(['tools'], where);
    assert.equal(missingUrl.code, 3);
    assert.match(missingUrl.stderr, /mcp\.servers\.remote\.url: /);
    writeFileSync(join(where.cwd, 'umca.yaml'), stringify({ mcp: { servers: { remote: { type: 'http', url: 'http://127.0.0.1:9/mcp', headers: { authorization: 'Bearer ${env:UMCA_TEST_UNSET_TOKEN}' } } } } }));
    const unset = await runCli(['tools'], where);
    assert.match(unset.stdout + unset.stderr, /mcp\.servers\.remote\.headers\.authorization: environment variable UMCA_TEST_UNSET_TOKEN is not set/);
  });
});
