import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking OpenAI's chat-completions protocol, byte for byte as OpenAI,
 * vLLM and Ollama do: JSON replies, SSE chunks ending in `data: [DONE]`, tool-call deltas
 * split across chunks, a usage chunk when asked. The request's `model` picks a behaviour.
 */
export interface FakeUpstream {
  url: string;
  requests: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

const REPLY = 'Hello from the fake upstream.';
/** OpenAI's replies name the backend configuration that produced them. */
export const FINGERPRINT = 'fp_fake_44709d6fcb';

export async function startFakeOpenAi(): Promise<FakeUpstream> {
  const requests: Array<Record<string, unknown>> = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => void handle(req, res, requests, seen));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, requests: Array<Record<string, unknown>>, seen: Map<string, number>): Promise<void> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  if (req.method === 'GET' && req.url === '/v1/models') return json(res, 200, { object: 'list', data: ['echo', 'tools', 'slow'].map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })) });
  const body = JSON.parse(raw) as { model: string; stream?: boolean; messages: Array<{ content: string }>; input?: string | string[] };
  const record: Record<string, unknown> = { ...body, authorization: req.headers.authorization, url: req.url, at: performance.now() };
  requests.push(record);
  // The caller (umca) hung up before the answer was complete.
  res.once('close', () => {
    if (!res.writableFinished) record.abandoned = true;
  });
  const count = (seen.get(body.model) ?? 0) + 1;
  seen.set(body.model, count);
  if (req.url === '/v1/embeddings') {
    if (body.model === 'broken') return json(res, 500, { error: { message: 'embedding backend down', type: 'server_error' } });
    const inputs = typeof body.input === 'string' ? [body.input] : body.input ?? [];
    // Returned out of order, as the protocol allows: clients sort by index.
    const data = inputs.map((text, index) => ({ object: 'embedding', index, embedding: [text.length, text.charCodeAt(0), 0.5] })).reverse();
    return json(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 } });
  }
  if (req.url !== '/v1/chat/completions') return json(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
  // "flaky-x" and "limited-x" behave like "flaky" and "limited", each with a counter of its own.
  switch (/^(flaky|limited)-/.exec(body.model)?.[1] ?? body.model) {
    case 'rate-limited':
      res.setHeader('retry-after', '2');
      return json(res, 429, { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } });
    case 'broken':
      return json(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error' } });
    case 'flaky':
      // Overloaded twice, then fine: what a busy vLLM or Ollama does.
      if (count <= 2) return json(res, 503, { error: { message: 'overloaded', type: 'server_error' } });
      break;
    case 'limited':
      if (count === 1) {
        res.setHeader('retry-after-ms', '300');
        return json(res, 429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } });
      }
      break;
    case 'invalid':
      // What OpenAI answers a request it refuses for what it holds.
      return json(res, 400, { error: { message: "Invalid value for 'top_p': expected a number between 0 and 1.", type: 'invalid_request_error', param: 'top_p', code: 'invalid_value' } });
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('<html>502 Bad Gateway</html>');
    case 'slow':
      await new Promise((r) => setTimeout(r, 3_000));
      return json(res, 200, completion(body.model, REPLY));
    case 'delayed':
      // Answers after a second, so concurrent callers all act before any reply arrives.
      await new Promise((r) => setTimeout(r, 1_000));
      return json(res, 200, completion(body.model, REPLY));
    default:
      break;
  }
  const tools = body.model === 'tools';
  if (!body.stream) {
    return json(res, 200, tools ? toolCompletion(body.model) : completion(body.model, REPLY));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model, system_fingerprint: FINGERPRINT };
  send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  if (tools) {
    send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }] });
    send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, finish_reason: null }] });
    send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, finish_reason: null }] });
    send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
  } else {
    for (const piece of REPLY.match(/.{1,6}/g) ?? []) send({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  }
  if (body.model === 'truncated') return void res.end();
  send({ ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } });
  res.end('data: [DONE]\n\n');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function completion(model: string, content: string) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
  };
}

function toolCompletion(model: string) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 },
  };
}
