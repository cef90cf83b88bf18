import { createHash, randomUUID } from 'node:crypto';
import { NotFoundError, toUmcaError } from '../core/errors.js';
import type { UsageRecord } from '../core/run.js';
import type { ResponseCache } from './cache/response-cache.js';
import type { ChatRequest, ChatResult, ModelProvider, StreamPart } from './model-provider.js';
import type { ModelRegistry } from './model-registry.js';
import { fromOpenAiRequest } from './openai/convert-from-openai-request.js';
import { ChunkWriter, toOpenAiCompletion } from './openai/convert-to-openai-response.js';
import { embeddingsRequestSchema, toOpenAiEmbeddings } from './openai/openai-embeddings.js';
import { chatCompletionRequestSchema } from './openai/openai-request.js';
import { fromResponsesRequest, responsesRequestSchema } from './openai/responses-request.js';
import { responseEvents, responseId, toResponse } from './openai/responses-output.js';
import type { UsageMeter } from './usage/usage-meter.js';
import { validateInput } from '../core/validate-input.js';
import type { AccessGuard } from '../identity/access-guard.js';
import type { Principal } from '../core/principal.js';

const STARTED = Math.floor(Date.now() / 1000);

export const REQUEST_ID_HEADER = 'x-request-id';
export const REQUEST_ID_MAX = 255;

/** The caller's request id when it is a usable one (letters, digits, `_`, `-`, `=`; at most 255), else a new one — Hono's rule. */
export function requestIdOf(given: string | string[] | undefined): string {
  const id = Array.isArray(given) ? given[0] : given;
  return id && id.length <= REQUEST_ID_MAX && !/[^\w\-=]/.test(id) ? id : randomUUID();
}

/** What an OpenAI route needs from an HTTP request, whichever server carried it. */
export interface OpenAiCall {
  /** The parsed JSON body, not yet validated. */
  body: unknown;
  /** Who calls, as the edge authenticated them: policy is asked about the model they name. */
  principal: Principal;
  authorization: string | undefined;
  cacheControl: string | undefined;
  /** Aborts when the caller goes away. */
  signal: AbortSignal;
  /** `performance.now()` when the request arrived. */
  arrived: number;
}

/** A 200 answer: a JSON body, or server-sent events (`data:` payloads, `[DONE]` last). */
export type OpenAiAnswer =
  | { kind: 'json'; headers: Record<string, string>; body: unknown }
  | { kind: 'sse'; headers: Record<string, string>; events: AsyncIterable<string> };

export interface OpenAiDeps {
  models: ModelRegistry;
  meter: UsageMeter;
  cache?: ResponseCache | undefined;
  access: Pick<AccessGuard, 'authorize'>;
}

/**
 * OpenAI's API, apart from any HTTP framework: `umca serve` calls it from its plain
 * `node:http` hot path, and the Hono app (in-process use, tests) from its routes.
 */
export class OpenAiHandlers {
  readonly #deps: OpenAiDeps;

  constructor(deps: OpenAiDeps) {
    this.#deps = deps;
  }

  models(): unknown {
    const data = this.#deps.models.list().map((model) => ({ id: model.id, object: 'model', created: STARTED, owned_by: model.ownedBy }));
    return { object: 'list', data };
  }

  /** One model (`GET /v1/models/{id}`): a listed one, or any reference umca resolves (provider/model, a fixture); else 404 model_not_found. */
  model(id: string): unknown {
    // Looked up, not resolved: naming a model here makes no provider (callers may name any number).
    const ownedBy = this.#deps.models.ownerOf(id);
    if (!ownedBy) throw new NotFoundError(`no model ${JSON.stringify(id.slice(0, 200))}: see GET /v1/models`, 'model_not_found');
    return { id, object: 'model', created: STARTED, owned_by: ownedBy };
  }

  async embeddings(call: OpenAiCall): Promise<OpenAiAnswer> {
    const body = validateInput(embeddingsRequestSchema, call.body);
    await this.#mayUse(call.principal, body.model);
    const provider = this.#resolve(body.model);
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    const result = await provider.embed({ input, metadata: { key: callerKey(call.authorization) } }, { signal: call.signal });
    return { kind: 'json', headers: {}, body: toOpenAiEmbeddings(result, body.encoding_format) };
  }

  async chatCompletion(call: OpenAiCall): Promise<OpenAiAnswer> {
    const { cache, meter } = this.#deps;
    const body = validateInput(chatCompletionRequestSchema, call.body);
    await this.#mayUse(call.principal, body.model);
    const provider = this.#resolve(body.model);
    const request = { ...fromOpenAiRequest(body, call.body), metadata: { key: callerKey(call.authorization) } };
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const directives = (call.cacheControl ?? '').toLowerCase();
    const key = cache ? cache.key(body.model, request) : undefined;
    const cached = key && !directives.includes('no-cache') ? cache!.get(key) : undefined;
    const store = key && !directives.includes('no-store') ? (result: ChatResult) => cache!.set(key, result) : undefined;
    const headers: Record<string, string> = cache ? { 'x-umca-cache': cached ? 'hit' : 'miss' } : {};
    noteIgnored(headers, provider, request);
    if (cached) meter.record(cacheHit(body.model, cached, provider.kind));

    if (!body.stream) {
      const calling = performance.now();
      const result = cached ?? (await provider.chat(request, { signal: call.signal }));
      const upstreamMs = cached ? 0 : performance.now() - calling;
      if (!cached) store?.(result);
      const json = toOpenAiCompletion(id, created, result);
      headers['x-umca-overhead-ms'] = this.#overhead(performance.now() - call.arrived - upstreamMs);
      return { kind: 'json', headers, body: json };
    }
    headers['x-umca-overhead-ms'] = this.#overhead(performance.now() - call.arrived);

    // Failures before the first part are still an HTTP error (502 naming the upstream).
    const parts = (cached ? replay(cached) : recording(provider.stream(request, { signal: call.signal }), store))[Symbol.asyncIterator]();
    const first = await parts.next();
    const chunks = new ChunkWriter(id, created, provider.model);
    return { kind: 'sse', headers, events: sse(first, parts, chunks, body.stream_options?.include_usage === true) };
  }

  /**
   * The Responses API (`POST /v1/responses`) over the same providers: translated to a chat
   * request, answered as a `response` object or its stream of events. Not cached (its streams
   * are events of their own); metered, budgeted and routed like any call.
   */
  async responses(call: OpenAiCall): Promise<OpenAiAnswer> {
    const body = validateInput(responsesRequestSchema, call.body);
    await this.#mayUse(call.principal, body.model);
    const provider = this.#resolve(body.model);
    const request = { ...fromResponsesRequest(body, call.body), metadata: { key: callerKey(call.authorization) } };
    const id = responseId('resp');
    const created = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {};
    noteIgnored(headers, provider, request);
    if (!body.stream) {
      const calling = performance.now();
      const result = await provider.chat(request, { signal: call.signal });
      const upstreamMs = performance.now() - calling;
      const json = toResponse(body, id, created, result);
      headers['x-umca-overhead-ms'] = this.#overhead(performance.now() - call.arrived - upstreamMs);
      return { kind: 'json', headers, body: json };
    }
    headers['x-umca-overhead-ms'] = this.#overhead(performance.now() - call.arrived);
    // Failures before the first part are still an HTTP error, as for chat completions.
    const parts = provider.stream(request, { signal: call.signal })[Symbol.asyncIterator]();
    const first = await parts.next();
    return { kind: 'sse', headers, events: responseEvents(body, id, created, first, parts) };
  }

  /** What the gateway added to a request: everything but the time spent waiting upstream. */
  #overhead(ms: number): string {
    this.#deps.meter.metrics.overhead.observe(ms / 1000);
    return ms.toFixed(3);
  }

  /** `use-model` about the model the caller named (as runs, MCP and G0 ask), not about any model. */
  async #mayUse(principal: Principal, model: string): Promise<void> {
    await this.#deps.access.authorize(principal, 'use-model', { type: 'Model', id: model, attrs: { ref: model } });
  }

  #resolve(ref: string): ModelProvider {
    return this.#deps.models.resolve(ref);
  }
}

/** Names the fields the caller sent that this provider drops (no equivalent upstream): `x-umca-ignored-params`. */
function noteIgnored(headers: Record<string, string>, provider: ModelProvider, request: ChatRequest): void {
  const ignored = provider.ignoredFields?.(request) ?? [];
  if (ignored.length) headers['x-umca-ignored-params'] = ignored.join(', ');
}

/** A reply's parts as OpenAI's chunks; a failure mid-stream is an error event and no `[DONE]`, so the client knows the reply is cut. */
async function* sse(first: IteratorResult<StreamPart>, parts: AsyncIterator<StreamPart>, chunks: ChunkWriter, includeUsage: boolean): AsyncIterable<string> {
  yield JSON.stringify(chunks.start());
  let next = first;
  try {
    while (!next.done) {
      const part = next.value;
      if (part.type === 'text-delta') yield JSON.stringify(chunks.text(part.text));
      else if (part.type === 'reasoning-delta') yield JSON.stringify(chunks.reasoning(part.text));
      else if (part.type === 'tool-call') yield JSON.stringify(chunks.toolCall(part.toolCall));
      else {
        chunks.model = part.model;
        chunks.systemFingerprint = part.systemFingerprint;
        yield JSON.stringify(chunks.finish(part.finishReason));
        if (includeUsage) yield JSON.stringify(chunks.usage(part.usage));
      }
      next = await parts.next();
    }
  } catch (error) {
    yield JSON.stringify(toUmcaError(error).toJSON());
    return;
  } finally {
    // The caller left early: end the upstream call too.
    if (!next.done) await parts.return?.();
  }
  yield '[DONE]';
}

/**
 * Who is calling, for budgets: a short hash of the bearer token (never the token), or
 * `anonymous`. Named API keys replace this when authentication lands.
 */
function callerKey(authorization: string | undefined): string {
  const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
  return token ? createHash('sha256').update(token).digest('hex').slice(0, 16) : 'anonymous';
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
  if (result.reasoning) yield { type: 'reasoning-delta', text: result.reasoning };
  if (result.content) yield { type: 'text-delta', text: result.content };
  for (const toolCall of result.toolCalls) yield { type: 'tool-call', toolCall };
  yield { type: 'finish', finishReason: result.finishReason, usage: result.usage, model: result.model, ...(result.systemFingerprint ? { systemFingerprint: result.systemFingerprint } : {}) };
}

/** Passes a stream through and, once it finished cleanly, hands the whole reply to `store`. */
async function* recording(parts: AsyncIterable<StreamPart>, store: ((result: ChatResult) => void) | undefined): AsyncIterable<StreamPart> {
  let content = '';
  let reasoning = '';
  const toolCalls: ChatResult['toolCalls'] = [];
  for await (const part of parts) {
    if (part.type === 'text-delta') content += part.text;
    else if (part.type === 'reasoning-delta') reasoning += part.text;
    else if (part.type === 'tool-call') toolCalls.push(part.toolCall);
    else store?.({ content, toolCalls, finishReason: part.finishReason, usage: part.usage, model: part.model, ...(part.systemFingerprint ? { systemFingerprint: part.systemFingerprint } : {}), ...(reasoning ? { reasoning } : {}) });
    yield part;
  }
}
