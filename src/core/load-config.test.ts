import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from './errors.js';
import { loadConfig, parseConfig } from './load-config.js';

describe('config', () => {
  it('has working defaults', () => {
    const config = parseConfig({});
    assert.equal(config.model, 'scripted:demo');
    assert.deepEqual(config.server, { host: '127.0.0.1', port: 7070 });
    assert.equal(config.sandbox.timeout_ms, 5_000);
    assert.equal(config.pipeline.max_code_attempts, 3);
  });

  it('reads umca.yaml, resolves home beside it, and lets the environment override', () => {
    const dir = mkdtempSync(join(tmpdir(), 'umca-config-'));
    writeFileSync(join(dir, 'umca.yaml'), 'home: state\nsandbox:\n  memory_mb: 128\n');
    const fromFile = loadConfig({ cwd: dir, env: {} });
    assert.equal(fromFile.config.home, join(dir, 'state'));
    assert.equal(fromFile.config.sandbox.memory_mb, 128);
    const fromEnv = loadConfig({ cwd: dir, env: { UMCA_HOME: '/var/umca', UMCA_DATABASE_URL: 'postgres://u@db:5432/umca' } });
    assert.equal(fromEnv.config.home, '/var/umca');
    assert.equal(fromEnv.config.database_url, 'postgres://u@db:5432/umca');
  });

  it('names the field and what was expected', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ server: { port: 'x' } }, /^config: server\.port: expected number, received string$/],
      [{ server: { port: 70_000 } }, /^config: server\.port: Too big/],
      [{ sandbox: { timeout: 5 } }, /^config: sandbox\.timeout: unknown field$/],
      [{ sandbox: { allowed_outbound_hosts: ['pypi.org'] } }, /^config: sandbox\.allowed_outbound_hosts: allowed_outbound_hosts entry "pypi\.org" is not host:port/],
      [{ gates: { g3: { allowed_licenses: 'MIT' } } }, /^config: gates\.g3\.allowed_licenses: expected array/],
      [{ providers: { local: { type: 'openai-compatible', base_url: 'not a url', model: 'm' } } }, /^config: providers\.local\.base_url: /],
      [{ providers: { local: { type: 'grpc', base_url: 'http://x', model: 'm' } } }, /^config: providers\.local\.type: /],
      [{ providers: { claude: { type: 'anthropic', model: 'm', max_tokens: 0 } } }, /^config: providers\.claude\.max_tokens: Too small/],
      [{ providers: { claude: { type: 'anthropic', model: 'm', preset: 'openai' } } }, /^config: providers\.claude\.preset: unknown field$/],
    ];
    for (const [raw, message] of cases) assert.throws(() => parseConfig(raw), (e: unknown) => e instanceof ConfigError && message.test(e.message));
  });

  it('refuses a database URL that is not postgres://', () => {
    assert.throws(() => loadConfig({ cwd: tmpdir(), env: { UMCA_DATABASE_URL: 'mysql://x' } }), /database_url \(or UMCA_DATABASE_URL\): expected a postgres:\/\/ URL/);
  });
});
