import { createHash, randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { NotFoundError, toUmcaError, UmcaError } from '../core/errors.js';
import type { UsageRecord } from '../core/run.js';
import type { ResponseCache } from '../gateway/cache/response-cache.js';
import type { UsageMeter } from '../gateway/usage/usage-meter.js';
import type { ChatResult, ModelProvider, StreamPart } from '../gateway/model-provider.js';
import type { ModelRegistry } from '../gateway/model-registry.js';
import { fromOpenAiRequest } from '../gateway/openai/convert-from-openai-request.js';
import { ChunkWriter, toOpenAiCompletion } from '../gateway/openai/convert-to-openai-response.js';
import { embeddingsRequestSchema, toOpenAiEmbeddings } from '../gateway/openai/openai-embeddings.js';
import { chatCompletionRequestSchema } from '../gateway/openai/openai-request.js';
import { parseJsonBody } from './parse-body.js';

const STARTED = Math.floor(Date.now() / 1000);

/**
 * OpenAI's API, served by umca: `POST /v1/chat/completions` (plain and streamed, tools,
 * response formats), `POST /v1/embeddings` and `GET /v1/models`. The official `openai` client works unchanged.
 */
export function openAiRoutes(deps: { models: ModelRegistry; meter: UsageMeter; cache?: ResponseCache }): Hono {
  const app = new Hono();
  const { cache, meter } = deps;

  app.get('/models', (c) =>
    c.json({ object: 'list', data: deps.models.list().map((model) => ({ id: model.id, object: 'model', created: STARTED, owned_by: model.ownedBy })) }),
  );

  app.post('/embeddings', async (c) => {
    const body = await parseJsonBody(c, embeddingsRequestSchema);
    const provider = resolve(deps.models, body.model);
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    const result = await provider.embed({ input, metadata: { key: callerKey(c) } }, { signal: c.req.raw.signal });
    return c.json(toOpenAiEmbeddings(result, body.encoding_format));
  });

  app.post('/chat/completions', async (c) => {
    const arrived = performance.now();
    const body = await parseJsonBody(c, chatCompletionRequestSchema);
    const provider = resolve(deps.models, body.model);
    const request = { ...fromOpenAiRequest(body), metadata: { key: callerKey(c) } };
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const signal = c.req.raw.signal;
    const directives = (c.req.header('cache-control') ?? '').toLowerCase();
    const key = cache ? cache.key(body.model, request) : undefined;
    const cached = key && !directives.includes('no-cache') ? cache!.get(key) : undefined;
    const store = key && !directives.includes('no-store') ? (result: ChatResult) => cache!.set(key, result) : undefined;
    if (cache) c.header('x-umca-cache', cached ? 'hit' : 'miss');

    if (cached) meter.record(cacheHit(body.model, cached, provider.kind));

    if (!body.stream) {
      const calling = performance.now();
      const result = cached ?? (await provider.chat(request, { signal }));
      const upstreamMs = cached ? 0 : performance.now() - calling;
      if (!cached) store?.(result);
      const json = toOpenAiCompletion(id, created, result);
      overhead(c, meter, performance.now() - arrived - upstreamMs);
      return c.json(json);
    }
    overhead(c, meter, performance.now() - arrived);

    // Failures before the first part are still an HTTP error (502 naming the upstream).
    const parts = (cached ? replay(cached) : recording(provider.stream(request, { signal }), store))[Symbol.asyncIterator]();
    let next = await parts.next();
    const chunks = new ChunkWriter(id, created, provider.model);
    const includeUsage = body.stream_options?.include_usage === true;
    return streamSSE(c, async (stream) => {
      const send = (data: unknown) => stream.writeSSE({ data: JSON.stringify(data) });
      await send(chunks.start());
      try {
        while (!next.done) {
          const part = next.value;
          if (part.type === 'text-delta') await send(chunks.text(part.text));
          else if (part.type === 'tool-call') await send(chunks.toolCall(part.toolCall));
          else {
            chunks.model = part.model;
            await send(chunks.finish(part.finishReason));
            if (includeUsage) await send(chunks.usage(part.usage));
          }
          next = await parts.next();
        }
      } catch (error) {
        // Mid-stream: an error event and no [DONE], so the client knows the reply is cut.
        await send(toUmcaError(error).toJSON());
        return;
      }
      await stream.writeSSE({ data: '[DONE]' });
    });
  });

  return app;
}

/**
 * Who is calling, for budgets: a short hash of the bearer token (never the token), or
 * `anonymous`. Named API keys replace this when authentication lands.
 */
function callerKey(c: Context): string {
  const token = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  return token ? createHash('sha256').update(token).digest('hex').slice(0, 16) : 'anonymous';
}

/** What the gateway added to a request: everything but the time spent waiting upstream. */
function overhead(c: Context, meter: UsageMeter, ms: number): void {
  meter.metrics.overhead.observe(ms / 1000);
  c.header('x-umca-overhead-ms', ms.toFixed(3));
}

function cacheHit(ref: string, result: ChatResult, provider: string): UsageRecord {
  return {
    model_ref: ref,
    provider,
    upstream_model: result.model,
    run_id: null,
    input_tokens: result.usage.inputTokens,
    output_tokens: result.usage.outputTokens,
    cached: true,
    latency_ms: 0,
    ttft_ms: null,
    cost_usd: 0,
    status: 'ok',
    error_code: null,
  };
}

/** A cached reply as the parts of a stream. */
async function* replay(result: ChatResult): AsyncIterable<StreamPart> {
  if (result.content) yield { type: 'text-delta', text: result.content };
  for (const toolCall of result.toolCalls) yield { type: 'tool-call', toolCall };
  yield { type: 'finish', finishReason: result.finishReason, usage: result.usage, model: result.model };
}

/** Passes a stream through and, once it finished cleanly, hands the whole reply to `store`. */
async function* recording(parts: AsyncIterable<StreamPart>, store: ((result: ChatResult) => void) | undefined): AsyncIterable<StreamPart> {
  let content = '';
  const toolCalls: ChatResult['toolCalls'] = [];
  for await (const part of parts) {
    if (part.type === 'text-delta') content += part.text;
    else if (part.type === 'tool-call') toolCalls.push(part.toolCall);
    else store?.({ content, toolCalls, finishReason: part.finishReason, usage: part.usage, model: part.model });
    yield part;
  }
}

function resolve(models: ModelRegistry, ref: string): ModelProvider {
  try {
    return models.resolve(ref);
  } catch (error) {
    if (error instanceof UmcaError && error.code === 'unknown_model') {
      const notFound = new NotFoundError(`The model \`${ref}\` does not exist (see GET /v1/models)`, 'model_not_found');
      notFound.param = 'model';
      throw notFound;
    }
    throw error;
  }
}
