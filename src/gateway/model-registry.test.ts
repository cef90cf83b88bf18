import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { parseConfig } from '../core/load-config.js';
import { startFakeOpenAi, type FakeUpstream } from '../../test/support/fake-openai-upstream.js';
import { ModelRegistry } from './model-registry.js';

let upstream: FakeUpstream;
before(async () => {
  upstream = await startFakeOpenAi();
});
after(() => upstream.close());

describe('model registry', () => {
  it('fills a provider from its preset', () => {
    const models = new ModelRegistry(parseConfig({ providers: { local: { type: 'openai-compatible', preset: 'ollama', model: 'qwen2.5-coder:7b' } } }));
    assert.equal(models.resolve('local').url, 'http://127.0.0.1:11434/v1/chat/completions');
    assert.equal(models.resolve('local/llama3.2').model, 'llama3.2');
  });

  it("reads the preset's key variable, with base_url overridable", async () => {
    const config = parseConfig({ providers: { oa: { type: 'openai-compatible', preset: 'openai', base_url: upstream.url, model: 'echo' } } });
    await new ModelRegistry(config, { env: { OPENAI_API_KEY: 'sk-from-env' } }).resolve('oa').chat({ messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(upstream.requests.at(-1)?.authorization, 'Bearer sk-from-env');
  });

  it('names the field when neither a preset nor a base_url is given, or the preset is unknown', () => {
    assert.throws(() => parseConfig({ providers: { x: { type: 'openai-compatible', model: 'm' } } }), (e: unknown) => e instanceof ConfigError && e.message === 'config: providers.x.base_url: required unless a preset is given');
    assert.throws(() => parseConfig({ providers: { x: { type: 'openai-compatible', preset: 'skynet', model: 'm' } } }), /providers\.x\.preset: /);
  });

  it('lists aliases, providers and shipped fixtures', () => {
    const models = new ModelRegistry(parseConfig({ providers: { local: { type: 'openai-compatible', preset: 'ollama', model: 'm' } }, aliases: { planner: ['local'] } }));
    assert.deepEqual(models.list().map((m) => m.id), ['planner', 'local', 'embedded:use-lite', 'scripted:demo']);
  });
});
