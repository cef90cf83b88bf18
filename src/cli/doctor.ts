import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { UmcaConfig } from '../core/config.js';
import { OPENAI_COMPATIBLE_PRESETS } from '../gateway/providers/openai-compatible/presets.js';
import { ProcessLane } from '../sandbox/process/process-lane.js';

/** The API keys users keep in their environment, and the preset each is for. */
export const KEY_VARIABLES: ReadonlyArray<{ env: string; preset: string; type: 'openai-compatible' | 'anthropic' }> = [
  { env: 'OPENAI_API_KEY', preset: 'openai', type: 'openai-compatible' },
  { env: 'ANTHROPIC_API_KEY', preset: 'anthropic', type: 'anthropic' },
  { env: 'DEEPSEEK_API_KEY', preset: 'deepseek', type: 'openai-compatible' },
  { env: 'OPENROUTER_API_KEY', preset: 'openrouter', type: 'openai-compatible' },
  { env: 'DASHSCOPE_API_KEY', preset: 'dashscope', type: 'openai-compatible' },
  { env: 'ZHIPUAI_API_KEY', preset: 'zhipu', type: 'openai-compatible' },
  { env: 'GROQ_API_KEY', preset: 'groq', type: 'openai-compatible' },
];

export interface DoctorReport {
  config: string | null;
  default_model: string;
  providers: Array<{ name: string; type: string; ok: boolean; detail: string }>;
  ollama: { url: string; reachable: boolean; models: string[]; configured: boolean };
  keys: Array<{ env: string; set: boolean; used_by: string[] }>;
  sandbox: { bubblewrap: { ok: boolean; detail: string }; python3: boolean; gvisor: { ok: boolean; detail: string } };
  /** What to do, in order: each gap with the fix. */
  advice: string[];
}

const TIMEOUT_MS = 3_000;

/**
 * What this umca can run on: each configured provider asked something real (its model list),
 * an Ollama found where it listens by default (OLLAMA_HOST) even if unconfigured, the API keys
 * in the usual variables and whether a provider uses them, the sandboxes — and, for each gap,
 * what to do about it.
 */
export async function diagnose(config: UmcaConfig, file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const advice: string[] = [];
  const providers: DoctorReport['providers'] = [];
  for (const [name, settings] of Object.entries(config.providers)) {
    if (settings.type === 'openai-compatible') {
      const preset = settings.preset ? OPENAI_COMPATIBLE_PRESETS[settings.preset] : undefined;
      const base = (settings.base_url ?? preset?.baseUrl ?? '').replace(/\/+$/, '');
      const keyEnv = settings.api_key_env ?? (preset && 'apiKeyEnv' in preset ? preset.apiKeyEnv : undefined);
      const key = settings.api_key ?? (keyEnv ? env[keyEnv] : undefined);
      const probe = await get(`${base}/models`, key ? { authorization: `Bearer ${key}` } : {});
      const listed = probe.ok && Array.isArray((probe.body as { data?: unknown }).data) ? ((probe.body as { data: Array<{ id?: unknown }> }).data.map((m) => String(m.id))) : [];
      const detail = probe.ok ? `reachable at ${base}${listed.length ? `; ${listed.includes(settings.model) ? `serves ${settings.model}` : `does not list ${settings.model} (it has ${listed.slice(0, 5).join(', ')})`}` : ''}` : `not reachable at ${base}: ${probe.error}`;
      providers.push({ name, type: settings.type, ok: probe.ok, detail });
      if (!probe.ok) advice.push(`provider ${name}: ${probe.status === 401 || probe.status === 403 ? `the upstream refused the key${keyEnv ? ` (${keyEnv})` : ''}` : `start the server at ${base}, or fix providers.${name}.base_url`}`);
    } else if (settings.type === 'anthropic') {
      const base = (settings.base_url ?? 'https://api.anthropic.com').replace(/\/+$/, '');
      const key = settings.api_key ?? env[settings.api_key_env ?? 'ANTHROPIC_API_KEY'];
      const probe = await get(`${base}/v1/models`, { ...(key ? { 'x-api-key': key } : {}), 'anthropic-version': '2023-06-01' });
      providers.push({ name, type: settings.type, ok: probe.ok, detail: probe.ok ? `reachable at ${base}` : `not reachable at ${base}: ${probe.error}` });
      if (!probe.ok) advice.push(`provider ${name}: ${key ? 'check the key and the network' : `set ${settings.api_key_env ?? 'ANTHROPIC_API_KEY'}`}`);
    } else {
      const remote = /^(https?:\/\/|hf:)/.test(settings.model);
      const local = remote ? undefined : isAbsolute(settings.model) ? settings.model : resolve(settings.model);
      const ok = remote || existsSync(local!);
      providers.push({ name, type: settings.type, ok, detail: remote ? `fetched on first use (umca models pull ${name} fetches it now)` : ok ? `model file ${local}` : `no model file at ${local}` });
      if (!ok) advice.push(`provider ${name}: put the GGUF file at ${local}, or name a URI (hf:user/repo:quant) and run umca models pull ${name}`);
    }
  }

  const host = (env.OLLAMA_HOST ?? '127.0.0.1:11434').replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const ollamaUrl = `http://${host}`;
  const tags = await get(`${ollamaUrl}/api/tags`, {});
  const ollamaModels = tags.ok && Array.isArray((tags.body as { models?: unknown }).models) ? (tags.body as { models: Array<{ name?: unknown }> }).models.map((m) => String(m.name)) : [];
  const ollamaConfigured = Object.values(config.providers).some((p) => p.type === 'openai-compatible' && (p.preset === 'ollama' || (p.base_url ?? '').includes(host)));
  if (tags.ok && !ollamaConfigured) {
    advice.push(
      ollamaModels.length
        ? `an Ollama at ${ollamaUrl} serves ${ollamaModels.slice(0, 3).join(', ')}: add to umca.yaml  providers: { ollama: { type: openai-compatible, base_url: ${ollamaUrl}/v1, model: ${ollamaModels[0]} } }  and  model: ollama`
        : `an Ollama at ${ollamaUrl} has no model yet: ollama pull qwen3:4b`,
    );
  }

  const keys = KEY_VARIABLES.map(({ env: name, preset, type }) => {
    const usedBy = Object.entries(config.providers)
      .filter(([, p]) => p.type === type && (p.type === 'openai-compatible' ? (p.api_key_env ?? (p.preset ? (OPENAI_COMPATIBLE_PRESETS[p.preset] as { apiKeyEnv?: string }).apiKeyEnv : undefined)) === name : (p.api_key_env ?? 'ANTHROPIC_API_KEY') === name))
      .map(([provider]) => provider);
    const set = Boolean(env[name]);
    if (set && usedBy.length === 0) {
      advice.push(
        type === 'anthropic'
          ? `${name} is set but no provider uses it: add  providers: { claude: { type: anthropic, model: claude-sonnet-4-5 } }`
          : `${name} is set but no provider uses it: add  providers: { ${preset}: { type: openai-compatible, preset: ${preset}, model: <a model of ${preset}> } }`,
      );
    }
    return { env: name, set, used_by: usedBy };
  });

  const bubblewrap = ProcessLane.check('bwrap');
  const gvisor = ProcessLane.check('gvisor');
  const python3 = spawnSync('python3', ['--version'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
  if (!bubblewrap.ok) advice.push(`the process lane is off: ${bubblewrap.problem ?? 'bubblewrap does not run'} (WebAssembly lanes still run JS/TS)`);
  if (!python3) advice.push('python3 is not installed: the process lane cannot run Python (apt-get install python3)');

  const real = providers.some((p) => p.ok);
  if (!real) {
    advice.unshift(
      `no real model is configured and reachable: runs use scripted replies (${config.model}). Configure one in umca.yaml (docs/gateway.md, "Providers"): a local server (Ollama, llama.cpp, vLLM), an API key, or an embedded GGUF (type: llama-cpp)`,
    );
  }
  return {
    config: file ?? null,
    default_model: config.model,
    providers,
    ollama: { url: ollamaUrl, reachable: tags.ok, models: ollamaModels, configured: ollamaConfigured },
    keys,
    sandbox: { bubblewrap: { ok: bubblewrap.ok, detail: bubblewrap.problem ?? 'bubblewrap works' }, python3, gvisor: { ok: gvisor.ok, detail: gvisor.problem ?? 'runsc works' } },
    advice,
  };
}

async function get(url: string, headers: Record<string, string>): Promise<{ ok: boolean; status?: number; body?: unknown; error?: string }> {
  try {
    const answer = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await answer.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return answer.ok ? { ok: true, status: answer.status, body } : { ok: false, status: answer.status, error: `HTTP ${answer.status}` };
  } catch (error) {
    const reason = (error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
    const cause = reason?.code ?? reason?.errors?.find((e) => e.code)?.code ?? reason?.message ?? (error as Error).name;
    return { ok: false, error: cause === 'TimeoutError' ? `no answer within ${TIMEOUT_MS} ms` : cause };
  }
}
