import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, scratch } from './support/cli.js';
import { startFakeOpenAi, type FakeUpstream } from './support/fake-openai-upstream.js';

/**
 * `umca doctor` as a new user runs it: on a machine with nothing configured, beside an Ollama
 * nobody configured, with an API key in the environment, and with providers that answer and
 * one that does not — each gap with what to do.
 */
const KEYS = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'DEEPSEEK_API_KEY', 'OPENROUTER_API_KEY', 'DASHSCOPE_API_KEY', 'ZHIPUAI_API_KEY', 'GROQ_API_KEY'];
let ollama: Server;
let ollamaHost: string;
let upstream: FakeUpstream;
/** A port nothing listens on: a connection to it is refused. */
let closed: number;

before(async () => {
  ollama = createServer((req, res) => {
    res.writeHead(req.url === '/api/tags' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ models: [{ name: 'qwen3:4b' }, { name: 'gemma3:1b' }] }));
  });
  await new Promise<void>((resolve) => ollama.listen(0, '127.0.0.1', resolve));
  ollamaHost = `127.0.0.1:${(ollama.address() as AddressInfo).port}`;
  upstream = await startFakeOpenAi();
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closed = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});
after(async () => {
  await new Promise((resolve) => ollama.close(resolve));
  await upstream.close();
});

/** A scratch dir whose environment has no API key and finds Ollama where it is told to. */
function where(extra: Record<string, string> = {}, yaml?: string) {
  const place = scratch();
  for (const key of KEYS) delete place.env[key];
  place.env.OLLAMA_HOST = '127.0.0.1:9';
  Object.assign(place.env, extra);
  if (yaml) writeFileSync(join(place.cwd, 'umca.yaml'), yaml);
  return place;
}

describe('umca doctor', () => {
  it('with nothing configured: says runs use scripted replies and how to configure a real model; exit 0', async () => {
    const result = await runCli(['doctor'], where());
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /providers\n  \(none configured\)/);
    assert.match(result.stdout, /ollama     not found at http:\/\/127\.0\.0\.1:9/);
    assert.match(result.stdout, /api keys   none in the environment/);
    assert.match(result.stdout, /what to do\n  - no real model is configured and reachable: runs use scripted replies \(scripted:demo\)/);
    const json = JSON.parse((await runCli(['doctor', '--json'], where())).stdout) as { providers: unknown[]; ollama: { reachable: boolean }; advice: string[] };
    assert.deepEqual([json.providers, json.ollama.reachable], [[], false]);
  });

  it('finds an Ollama nobody configured and says what to add; names a key in the environment no provider uses', async () => {
    const result = await runCli(['doctor', '--json'], where({ OLLAMA_HOST: ollamaHost, OPENAI_API_KEY: 'sk-test' }));
    const report = JSON.parse(result.stdout) as { ollama: { reachable: boolean; models: string[]; configured: boolean }; keys: Array<{ env: string; set: boolean; used_by: string[] }>; advice: string[] };
    assert.deepEqual([report.ollama.reachable, report.ollama.models, report.ollama.configured], [true, ['qwen3:4b', 'gemma3:1b'], false]);
    assert.ok(report.advice.some((line) => line.includes(`an Ollama at http://${ollamaHost} serves qwen3:4b, gemma3:1b: add to umca.yaml  providers: { ollama: { type: openai-compatible, base_url: http://${ollamaHost}/v1, model: qwen3:4b } }`)), report.advice.join('\n'));
    assert.deepEqual(report.keys.find((k) => k.env === 'OPENAI_API_KEY'), { env: 'OPENAI_API_KEY', set: true, used_by: [] });
    assert.ok(report.advice.some((line) => line.startsWith('OPENAI_API_KEY is set but no provider uses it: add  providers: { openai: { type: openai-compatible, preset: openai')));
  });

  it('asks each configured provider for its models: one that answers is ✓, one that does not is ✗ with what to do, and the exit is 1', async () => {
    const yaml = `providers:\n  local: { type: openai-compatible, base_url: ${upstream.url}, model: echo }\n  gone: { type: openai-compatible, base_url: http://127.0.0.1:${closed}/v1, model: x }\nmodel: local\n`;
    const result = await runCli(['doctor'], where({}, yaml));
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, new RegExp(`✓ local \\(openai-compatible\\): reachable at ${upstream.url.replace(/[/.:]/g, '\\$&')}`));
    assert.match(result.stdout, new RegExp(`✗ gone \\(openai-compatible\\): not reachable at http://127\\.0\\.0\\.1:${closed}/v1: ECONNREFUSED`));
    assert.match(result.stdout, new RegExp(`- provider gone: start the server at http://127\\.0\\.0\\.1:${closed}/v1, or fix providers\\.gone\\.base_url`));
    assert.doesNotMatch(result.stdout, /no real model is configured/);
  });
});
