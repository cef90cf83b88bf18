import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, scratch } from './support/cli.js';
import { writeTinyGguf } from './support/tiny-gguf.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('umca CLI: settings, help and bad input', () => {
  describe('bad input gets one line and exit 3', () => {
    it('names the field of an invalid config', async () => {
      const where = scratch();
      writeFileSync(join(where.cwd, 'umca.yaml'), 'server:\n  port: "seventy"\n');
      const result = await runCli(['runs'], where);
      assert.equal(result.code, 3);
      assert.match(result.stderr, /^umca: .*umca\.yaml: server\.port: expected number, received string\n$/);
    });

    it('names an unknown config field and bad YAML', async () => {
      const where = scratch();
      writeFileSync(join(where.cwd, 'umca.yaml'), 'sandbox:\n  timeout: 5\n');
      assert.match((await runCli(['runs'], where)).stderr, /sandbox\.timeout: unknown field/);
      writeFileSync(join(where.cwd, 'umca.yaml'), 'model: [unclosed\n');
      const bad = await runCli(['runs'], where);
      assert.equal(bad.code, 3);
      assert.match(bad.stderr, /umca\.yaml:\d+: invalid YAML/);
    });

    it('refuses a YAML tag, an alias bomb and a directory as the config, naming the file', async () => {
      const where = scratch();
      const bomb = 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n';
      for (const [content, message] of [
        ['model: !!js/function "function () {}"\n', /umca\.yaml:1: invalid YAML: unknown tag/],
        ['model: !custom demo\n', /umca\.yaml:1: invalid YAML: unknown tag !custom/],
        [bomb, /umca\.yaml: invalid YAML: Excessive alias count/],
      ] as const) {
        writeFileSync(join(where.cwd, 'umca.yaml'), content);
        const result = await runCli(['runs'], where);
        assert.equal(result.code, 3, result.stderr);
        assert.match(result.stderr, message);
        assert.equal(result.stderr.trim().split('\n').length, 1);
      }
      const dir = await runCli(['--config', '.', 'runs'], where);
      assert.equal(dir.code, 3, dir.stderr);
      assert.match(dir.stderr, /: not a file\n$/);
    });

    it('refuses a broken policy.dir before a run exists: umca run exits 3 naming the file, and no run was created', async () => {
      const where = scratch();
      const policies = join(where.cwd, 'policies');
      mkdirSync(policies);
      writeFileSync(join(policies, 'team.cedar'), 'permit (principal, action == Umca::Action::"no-such-action", resource);\n');
      writeFileSync(join(where.cwd, 'umca.yaml'), `policy:\n  dir: ${policies}\n`);
      const result = await runCli(['run', '--model', 'scripted:demo', 'a slugify function'], where);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /team\.cedar/);
      assert.equal(result.stderr.trim().split('\n').length, 1);
      // Every command asks policy, so the broken policy goes before the runs can be listed.
      writeFileSync(join(where.cwd, 'umca.yaml'), '{}\n');
      const runs = await runCli(['runs', '--json'], where);
      assert.equal(runs.code, 0, runs.stderr);
      assert.deepEqual(JSON.parse(runs.stdout), [], 'no run was created');
    });

    for (const [name, args, message] of [
      ['an unknown option', ['run', '--bogus'], /unknown option '--bogus'/],
      ['an unknown command', ['launch'], /unknown command 'launch'/],
      ['a missing config file', ['--config', 'nope.yaml', 'runs'], /config file not found: nope\.yaml/],
      ['an unknown run', ['verify', 'no-such-run'], /run no-such-run not found/],
      ['an unknown model', ['run', '--model', 'gpt-nothing', 'x'], /unknown model "gpt-nothing"/],
      ['a missing spec', ['run', '--model', 'local'], /unknown model "local"|spec: required/],
      ['an unknown runtime', ['run', '--runtime', 'vm', 'x'], /option '--runtime <kind>' argument 'vm' is invalid\. Allowed choices are auto, wasm, process/],
      ['a reference file that is not there', ['run', '--doc', 'nope.md', 'x'], /cannot read reference nope\.md: ENOENT/],
      ['a malformed egress grant', ['run', '--allow-host', 'not a host', 'x'], /allowed_outbound_hosts: /],
      ['network for a WebAssembly-only run', ['run', '--runtime', 'wasm', '--allow-host', 'pypi.org:443', 'x'], /allowed_outbound_hosts needs the process lane; a run with runtime "wasm" has no network/],
      ['an override without a reason', ['override', 'some-run'], /required option '-r, --reason <text>' not specified/],
      ['an override of an unknown run', ['override', 'no-such-run', '--reason', 'x'], /run no-such-run not found/],
    ] as const) {
      it(`for ${name}`, async () => {
        const result = await runCli([...args], scratch());
        assert.equal(result.code, 3, result.stderr);
        assert.match(result.stderr, message);
        assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
        assert.doesNotMatch(result.stderr, /\n\s+at /);
      });
    }
  });

  it('fails in one line naming the provider and URL when the model server is unreachable', async () => {
    const where = scratch();
    const port = await closedPort();
    writeFileSync(join(where.cwd, 'umca.yaml'), `providers:\n  local:\n    type: openai-compatible\n    base_url: http://127.0.0.1:${port}/v1\n    model: qwen\n`);
    const result = await runCli(['run', '--model', 'local', 'a slugify function'], where);
    assert.equal(result.code, 1);
    const failed = result.stdout.split('\n').filter((line) => line.startsWith('✗ failed'));
    assert.deepEqual(failed, [`✗ failed: openai-compatible at http://127.0.0.1:${port}/v1/chat/completions: cannot reach the model server (ECONNREFUSED)`]);
    assert.doesNotMatch(result.stdout + result.stderr, /\n\s+at /);
  });

  it('pulls a llama-cpp model file into UMCA_HOME/models with progress, checking its checksum', async () => {
    const where = scratch();
    const gguf = join(where.cwd, 'source.gguf');
    writeTinyGguf(gguf);
    const bytes = readFileSync(gguf);
    const server = createServer((_req, res) => res.end(bytes));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tiny.gguf`;
      const sum = createHash('sha256').update(bytes).digest('hex');
      writeFileSync(join(where.cwd, 'umca.yaml'), `providers:\n  tiny: { type: llama-cpp, model: "${url}", sha256: ${sum}, gpu: false }\n  claude: { type: anthropic, model: m }\n`);
      const pulled = await runCli(['models', 'pull'], where);
      assert.equal(pulled.code, 0, pulled.stderr);
      const path = join(where.env.UMCA_HOME!, 'models', 'tiny.gguf');
      assert.match(pulled.stdout, new RegExp(`^tiny: ${path} \\(0\\.1 MB, checksum ok\\)\n$`));
      assert.match(pulled.stderr, /umca: fetching model for tiny from http:.*: 100% \(0\.1\/0\.1 MB\)\n$/);
      assert.deepEqual(readFileSync(path), bytes);
      const json = await runCli(['models', 'pull', 'tiny', '--json'], where);
      assert.deepEqual(JSON.parse(json.stdout), [{ provider: 'tiny', path, bytes: bytes.length }]);
      const wrongType = await runCli(['models', 'pull', 'claude'], where);
      assert.deepEqual([wrongType.code, wrongType.stderr], [3, 'umca: providers.claude is type anthropic; only llama-cpp providers have a model file\n']);
    } finally {
      server.close();
    }
  });

  it('writes a starter config that loads, and will not overwrite it', async () => {
    const where = scratch();
    assert.equal((await runCli(['init'], where)).code, 0);
    assert.match(readFileSync(join(where.cwd, 'umca.yaml'), 'utf8'), /^# umca configuration/);
    assert.equal((await runCli(['runs'], where)).code, 0, 'the starter config is valid');
    const again = await runCli(['init'], where);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /umca\.yaml exists; use --force/);
  });

  it('has --help on every command', async () => {
    const commands = [
      ['--help'], ['run', '--help'], ['resume', '--help'], ['runs', '--help'], ['runs', 'show', '--help'], ['verify', '--help'], ['usage', '--help'], ['models', 'pull', '--help'],
      ['serve', '--help'], ['init', '--help'], ['override', '--help'], ['keys', '--help'], ['tools', '--help'], ['mcp', '--help'], ['worker', '--help'], ['archive', '--help'],
      ['kb', '--help'], ['kb', 'add', '--help'], ['kb', 'search', '--help'], ['kb', 'reindex', '--help'], ['kb', 'job', '--help'], ['kb', 'rm', '--help'], ['apply', '--help'], ['doctor', '--help'],
    ];
    // Two at a time: each is a process start, and the machine has two cores.
    for (let i = 0; i < commands.length; i += 2) {
      await Promise.all(commands.slice(i, i + 2).map(async (args) => {
        const result = await runCli(args, scratch());
        assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stdout, /Usage: umca/, args.join(' '));
      }));
    }
  });
});
