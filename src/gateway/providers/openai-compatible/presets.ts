import type { ProviderPreset } from '../../../core/config.js';
import type { StructuredOutput } from '../../model-provider.js';

/**
 * Where the well-known OpenAI-compatible servers listen, and which environment variable
 * holds their key. A provider names a preset instead of a base URL; both can be overridden.
 */
export const OPENAI_COMPATIBLE_PRESETS = {
  ollama: { baseUrl: 'http://127.0.0.1:11434/v1', structuredOutput: 'json_schema' },
  vllm: { baseUrl: 'http://127.0.0.1:8000/v1', apiKeyEnv: 'VLLM_API_KEY', structuredOutput: 'json_schema' },
  sglang: { baseUrl: 'http://127.0.0.1:30000/v1', structuredOutput: 'json_schema' },
  localai: { baseUrl: 'http://127.0.0.1:8080/v1', apiKeyEnv: 'LOCALAI_API_KEY' },
  llamacpp: { baseUrl: 'http://127.0.0.1:8080/v1', apiKeyEnv: 'LLAMA_API_KEY', structuredOutput: 'json_schema' },
  openai: { baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY', structuredOutput: 'json_schema' },
  deepseek: { baseUrl: 'https://api.deepseek.com/v1', apiKeyEnv: 'DEEPSEEK_API_KEY' },
  dashscope: { baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1', apiKeyEnv: 'DASHSCOPE_API_KEY' },
  zhipu: { baseUrl: 'https://open.bigmodel.cn/api/paas/v4', apiKeyEnv: 'ZHIPUAI_API_KEY' },
  openrouter: { baseUrl: 'https://openrouter.ai/api/v1', apiKeyEnv: 'OPENROUTER_API_KEY' },
  groq: { baseUrl: 'https://api.groq.com/openai/v1', apiKeyEnv: 'GROQ_API_KEY' },
} as const satisfies Record<ProviderPreset, { baseUrl: string; apiKeyEnv?: string; structuredOutput?: StructuredOutput }>;
