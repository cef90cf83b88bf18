import type { UmcaConfig } from '../core/config.js';
import { InvalidRequestError } from '../core/errors.js';
import type { ModelProvider } from './model-provider.js';
import { OpenAiCompatibleProvider } from './providers/openai-compatible/openai-compatible-provider.js';
import { listShippedFixtures } from './providers/scripted/scripted-fixture.js';
import { ScriptedProvider } from './providers/scripted/scripted-provider.js';

export interface ModelRegistryOptions {
  /** Overrides every scripted fixture's delay (benchmarks). */
  scriptedDelayMs?: number;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/**
 * Turns a model reference into a provider:
 * `scripted:NAME` (a shipped fixture) or `scripted:PATH.yaml`; `NAME` of a provider in
 * the config; `NAME/MODEL` to ask that provider for another model.
 */
export class ModelRegistry {
  readonly #config: Pick<UmcaConfig, 'providers'>;
  readonly #options: ModelRegistryOptions;
  readonly #cache = new Map<string, ModelProvider>();

  constructor(config: Pick<UmcaConfig, 'providers'>, options: ModelRegistryOptions = {}) {
    this.#config = config;
    this.#options = options;
  }

  /** Every model a caller may name: the shipped scripted fixtures and the configured providers. */
  list(): Array<{ id: string; ownedBy: string }> {
    const fixtures = listShippedFixtures().map((name) => ({ id: `scripted:${name}`, ownedBy: 'umca-scripted' }));
    const providers = Object.entries(this.#config.providers).map(([name, settings]) => ({ id: name, ownedBy: settings.type }));
    return [...providers, ...fixtures];
  }

  resolve(ref: string): ModelProvider {
    const cached = this.#cache.get(ref);
    if (cached) return cached;
    const provider = this.#create(ref);
    this.#cache.set(ref, provider);
    return provider;
  }

  #create(ref: string): ModelProvider {
    if (ref.startsWith('scripted:')) {
      const fixture = ref.slice('scripted:'.length);
      if (!fixture) throw new InvalidRequestError('model "scripted:" needs a fixture name, e.g. scripted:demo', 'unknown_model');
      return ScriptedProvider.load(fixture, this.#options.scriptedDelayMs === undefined ? {} : { delayMs: this.#options.scriptedDelayMs });
    }
    const slash = ref.indexOf('/');
    const name = slash < 0 ? ref : ref.slice(0, slash);
    const settings = this.#config.providers[name];
    if (!settings) {
      const known = ['scripted:demo', ...Object.keys(this.#config.providers)].join(', ');
      throw new InvalidRequestError(`unknown model "${ref}" (configured: ${known})`, 'unknown_model');
    }
    const env = this.#options.env ?? process.env;
    const apiKey = settings.api_key ?? (settings.api_key_env ? env[settings.api_key_env] : undefined);
    return new OpenAiCompatibleProvider({
      name,
      baseUrl: settings.base_url,
      model: slash < 0 ? settings.model : ref.slice(slash + 1),
      timeoutMs: settings.timeout_ms,
      ...(apiKey ? { apiKey } : {}),
      ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
    });
  }
}
