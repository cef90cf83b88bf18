import { z } from 'zod';
import type { EmbedResult } from '../model-provider.js';

/** An OpenAI embeddings request. Token-array input is not supported (text only). */
export const embeddingsRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
});

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

/** The response; `base64` packs each vector as little-endian float32, as OpenAI does (and its Node client asks for). */
export function toOpenAiEmbeddings(result: EmbedResult, format: 'float' | 'base64' = 'float'): Record<string, unknown> {
  return {
    object: 'list',
    data: result.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    model: result.model,
    usage: { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens },
  };
}
