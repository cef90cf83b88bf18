import { join } from 'node:path';
import type { AliasConfig, UmcaConfig } from '../core/config.js';
import { ConfigError, NotFoundError } from '../core/errors.js';
import type { ModelProvider } from './model-provider.js';
import { LlamaCppProvider } from './providers/llama-cpp/llama-cpp-provider.js';
import type { DownloadProgress } from './providers/llama-cpp/model-file.js';
import { AnthropicProvider } from './providers/anthropic/anthropic-provider.js';
import { OpenAiCompatibleProvider } from './providers/openai-compatible/openai-compatible-provider.js';
import { OPENAI_COMPATIBLE_PRESETS } from './providers/openai-compatible/presets.js';
import { FixtureCatalog } from './providers/scripted/fixture-catalog.js';
import { AliasProvider } from './router/alias-provider.js';
import { ResilientProvider } from './router/resilient-provider.js';
import { MeteredProvider } from './usage/metered-provider.js';
import type { BudgetGuard } from './budget/budget-guard.js';
import { BudgetedProvider } from './budget/budgeted-provider.js';
import { ContextFittedProvider, type TruncationPolicy } from './budget/context-fitted-provider.js';
import type { UsageMeter } from './usage/usage-meter.js';
import { ScriptedProvider } from './providers/scripted/scripted-provider.js';
import { USE_LITE_REF, UseLiteProvider } from './providers/use-lite/use-lite-provider.js';

export interface ModelRegistryOptions {
  /** Meters every call made through `resolve` (one usage record each). */
  meter?: UsageMeter;
  /** Enforces budgets on every call made through `resolve`. */
  guard?: BudgetGuard;
  /** Overrides every scripted fixture's delay (benchmarks). */
  scriptedDelayMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Progress of a model file fetched on first use (llama-cpp providers). */
  onDownload?: (progress: DownloadProgress) => void;
}

type RegistryConfig = Pick<UmcaConfig, 'home' | 'providers' | 'aliases' | 'routing'> & Partial<Pick<UmcaConfig, 'scripted'>>;

/**
 * Turns a model reference into a provider: an alias from the config (routed over its
 * targets); `scripted:NAME` (a shipped fixture or one in `scripted.fixtures_dir`); `NAME` of a
 * provider in the config; `NAME/MODEL` to ask that provider for another model. Every
 * upstream is wrapped with retries, a circuit breaker and timeouts, one per upstream,
 * shared by every alias that routes to it.
 */
export class ModelRegistry {
  readonly #config: RegistryConfig;
  readonly #options: ModelRegistryOptions;
  readonly #cache = new Map<string, ModelProvider>();
  /** One resilient wrapper per upstream, shared by every alias that routes to it. */
  readonly #upstreams = new Map<string, ResilientProvider>();
  /** The innermost providers made so far, to close them. */
  readonly #created = new Set<ModelProvider>();
  /** Where `scripted:NAME` fixtures are found, by name only. */
  readonly fixtures: FixtureCatalog;

  constructor(config: RegistryConfig, options: ModelRegistryOptions = {}) {
    this.#config = config;
    this.#options = options;
    this.fixtures = new FixtureCatalog({ dir: config.scripted?.fixtures_dir });
    for (const [name, alias] of Object.entries(config.aliases)) this.#checkAlias(name, alias);
    const summaryModel = config.routing.summary_model;
    if (summaryModel !== undefined && !this.#names(summaryModel)) {
      throw new ConfigError(`routing.summary_model: unknown model "${summaryModel}" (configured: ${[...Object.keys(config.aliases), ...Object.keys(config.providers)].join(', ') || 'none'})`);
    }
  }

  /** Releases what every created provider holds (embedded models). */
  async close(): Promise<void> {
    await Promise.all([...this.#created].map((provider) => provider.close?.()));
  }

  /** Every model a caller may name: the shipped scripted fixtures and the configured providers. */
  list(): Array<{ id: string; ownedBy: string }> {
    const fixtures = this.fixtures.shipped().map((name) => ({ id: `scripted:${name}`, ownedBy: 'umca-scripted' }));
    const providers = Object.entries(this.#config.providers).map(([name, settings]) => ({ id: name, ownedBy: settings.type }));
    const aliases = Object.keys(this.#config.aliases).map((name) => ({ id: name, ownedBy: 'umca-alias' }));
    return [...aliases, ...providers, { id: USE_LITE_REF, ownedBy: 'umca-embedded' }, ...fixtures];
  }

  /** Who serves `ref` (a provider type, `umca-alias`, `umca-scripted`…), without making a provider for it; undefined when nothing does. */
  ownerOf(ref: string): string | undefined {
    const listed = this.list().find((model) => model.id === ref);
    if (listed) return listed.ownedBy;
    if (!this.#names(ref)) return undefined;
    if (ref.startsWith('scripted:')) return 'umca-scripted';
    return this.#config.providers[ref.split('/')[0]!]?.type;
  }

  resolve(ref: string): ModelProvider {
    const cached = this.#cache.get(ref);
    if (cached) return cached;
    const alias = this.#config.aliases[ref];
    const routed = alias ? this.#alias(ref, alias) : this.#upstream(ref);
    const { meter, guard } = this.#options;
    const guarded = guard ? new BudgetedProvider(ref, routed, guard, (r, m, i, o) => meter?.cost(r, m, i, o) ?? 0) : routed;
    const provider = meter ? new MeteredProvider(ref, guarded, meter) : guarded;
    this.#cache.set(ref, provider);
    return provider;
  }

  #upstream(ref: string): ResilientProvider {
    let upstream = this.#upstreams.get(ref);
    if (!upstream) {
      const created = this.#create(ref);
      this.#created.add(created);
      const window = this.#config.providers[ref.split('/')[0]!]?.context_tokens;
      const fitted = window ? new ContextFittedProvider(created, window, this.#truncation()) : created;
      upstream = new ResilientProvider(fitted, this.#config.routing);
      this.#upstreams.set(ref, upstream);
    }
    return upstream;
  }

  #truncation(): TruncationPolicy {
    const { truncation, summary_model: summaryModel, summary_max_tokens: summaryTokens } = this.#config.routing;
    if (truncation !== 'summarise') return { kind: truncation };
    // Resolved on first use: the summariser is metered and routed like any other call.
    return { kind: 'summarise', summariser: () => this.resolve(summaryModel!), summaryTokens };
  }

  #alias(name: string, alias: AliasConfig): AliasProvider {
    const { strategy, targets } = Array.isArray(alias) ? { strategy: 'fallback' as const, targets: alias } : alias;
    return new AliasProvider(
      name,
      targets.map((target) => {
        const ref = typeof target === 'string' ? target : target.model;
        return { provider: this.#upstream(ref), weight: typeof target === 'string' ? 1 : target.weight };
      }),
      { strategy, totalTimeoutMs: this.#config.routing.total_timeout_ms },
    );
  }

  /** Whether `ref` names an alias, a provider (or `provider/model`) or a shipped fixture. */
  #names(ref: string): boolean {
    if (this.#config.aliases[ref] || ref === USE_LITE_REF) return true;
    if (ref.startsWith('scripted:')) return this.fixtures.has(ref.slice('scripted:'.length));
    return this.#config.providers[ref.split('/')[0]!] !== undefined;
  }

  /** Every target names an upstream (not another alias) that exists. */
  #checkAlias(name: string, alias: AliasConfig): void {
    if (this.#config.providers[name]) throw new ConfigError(`aliases.${name}: an alias cannot share its name with a provider`);
    const targets = Array.isArray(alias) ? alias : alias.targets;
    targets.forEach((target, index) => {
      const ref = typeof target === 'string' ? target : target.model;
      const field = `aliases.${name}${Array.isArray(alias) ? '' : '.targets'}.${index}`;
      if (this.#config.aliases[ref]) throw new ConfigError(`${field}: "${ref}" is an alias; targets must be providers`);
      if (ref.startsWith('scripted:')) {
        if (!this.fixtures.has(ref.slice('scripted:'.length))) throw new ConfigError(`${field}: no scripted fixture "${ref}"`);
        return;
      }
      const provider = ref.split('/')[0]!;
      if (!this.#config.providers[provider]) throw new ConfigError(`${field}: unknown provider "${provider}" (configured: ${Object.keys(this.#config.providers).join(', ') || 'none'})`);
    });
  }

  #create(ref: string): ModelProvider {
    if (ref === USE_LITE_REF) return new UseLiteProvider();
    if (ref.startsWith('scripted:')) {
      const name = ref.slice('scripted:'.length);
      if (!this.fixtures.has(name)) throw unknownModel(`unknown model "${shown(ref)}": no scripted fixture by that name (shipped: ${this.fixtures.shipped().map((n) => `scripted:${n}`).join(', ')})`);
      return new ScriptedProvider(name, () => this.fixtures.load(name), this.#options.scriptedDelayMs === undefined ? {} : { delayMs: this.#options.scriptedDelayMs });
    }
    const slash = ref.indexOf('/');
    const name = slash < 0 ? ref : ref.slice(0, slash);
    const settings = this.#config.providers[name];
    if (!settings) {
      const known = [...Object.keys(this.#config.aliases), ...Object.keys(this.#config.providers), 'scripted:demo'].join(', ');
      throw unknownModel(`unknown model "${shown(ref)}" (configured: ${known})`);
    }
    if (settings.type === 'llama-cpp') {
      if (slash >= 0) throw unknownModel(`unknown model "${shown(ref)}": a llama-cpp provider runs only its own file`);
      return new LlamaCppProvider({
        name,
        model: settings.model,
        modelsDir: join(this.#config.home, 'models'),
        parallel: settings.parallel,
        gpu: settings.gpu,
        maxTokens: settings.max_tokens,
        ...(settings.sha256 ? { sha256: settings.sha256 } : {}),
        ...(settings.context_tokens ? { contextTokens: settings.context_tokens } : {}),
        ...(this.#options.onDownload ? { onDownload: this.#options.onDownload } : {}),
      });
    }
    const env = this.#options.env ?? process.env;
    const model = slash < 0 ? settings.model : ref.slice(slash + 1);
    const common = { name, model, timeoutMs: settings.timeout_ms, connectTimeoutMs: settings.connect_timeout_ms };
    if (settings.type === 'anthropic') {
      const apiKey = settings.api_key ?? env[settings.api_key_env ?? 'ANTHROPIC_API_KEY'];
      return new AnthropicProvider({ ...common, maxTokens: settings.max_tokens, ...(settings.base_url ? { baseUrl: settings.base_url } : {}), ...(apiKey ? { apiKey } : {}) });
    }
    const preset = settings.preset ? OPENAI_COMPATIBLE_PRESETS[settings.preset] : undefined;
    const keyEnv = settings.api_key_env ?? (preset && 'apiKeyEnv' in preset ? preset.apiKeyEnv : undefined);
    const apiKey = settings.api_key ?? (keyEnv ? env[keyEnv] : undefined);
    const structuredOutput = settings.structured_output ?? (preset && 'structuredOutput' in preset ? preset.structuredOutput : undefined);
    return new OpenAiCompatibleProvider({ ...common, baseUrl: settings.base_url ?? preset!.baseUrl, ...(apiKey ? { apiKey } : {}), ...(structuredOutput ? { structuredOutput } : {}) });
  }
}

/** 404 `model_not_found` (param `model`): OpenAI's answer for a model that does not exist, on every door. */
function unknownModel(message: string): NotFoundError {
  const error = new NotFoundError(message, 'model_not_found');
  error.param = 'model';
  return error;
}

/** A caller's model name as it may appear in a message: bounded, control characters escaped. */
function shown(ref: string): string {
  const cut = ref.length > 80 ? `${ref.slice(0, 77)}...` : ref;
  return JSON.stringify(cut).slice(1, -1);
}
