import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeUpstream } from './fake-openai-upstream.js';

/**
 * A local server speaking Anthropic's Messages API as api.anthropic.com does: `POST
 * /v1/messages` with `x-api-key` and `anthropic-version`, content blocks, `tool_use` and
 * `tool_result`, named SSE events from `message_start` to `message_stop`, and its error
 * shape. It checks requests as strictly as the real API on what umca must get right
 * (max_tokens, alternating user/assistant turns, tool results answering tool uses).
 * The request's `model` picks a behaviour.
 */
const REPLY = 'Hello from the fake upstream.';

export async function startFakeAnthropic(): Promise<FakeUpstream> {
  const requests: Array<Record<string, unknown>> = [];
  const server: Server = createServer((req, res) => void handle(req, res, requests));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Body {
  model: string;
  max_tokens?: number;
  stream?: boolean;
  messages?: Array<{ role: string; content: string | Array<Record<string, unknown>> }>;
}

async function handle(req: IncomingMessage, res: ServerResponse, requests: Array<Record<string, unknown>>): Promise<void> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  const body = JSON.parse(raw) as Body;
  requests.push({ ...body, apiKey: req.headers['x-api-key'], version: req.headers['anthropic-version'] });
  if (req.url !== '/v1/messages') return error(res, 404, 'not_found_error', 'Not found');
  if (!req.headers['anthropic-version']) return error(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
  const invalid = checkRequest(body);
  if (invalid) return error(res, 400, 'invalid_request_error', invalid);
  switch (body.model) {
    case 'rate-limited':
      res.setHeader('retry-after', '2');
      return error(res, 429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit');
    case 'broken':
      return error(res, 500, 'api_error', 'Internal server error');
    case 'overloaded':
      return error(res, 529, 'overloaded_error', 'Overloaded');
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('<html>502 Bad Gateway</html>');
    case 'slow':
      await new Promise((r) => setTimeout(r, 3_000));
      break;
    default:
      break;
  }
  const tools = body.model === 'tools';
  const usage = { input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  const base = { id: 'msg_fake', type: 'message', role: 'assistant', model: body.model, stop_sequence: null };
  if (!body.stream) {
    const content = tools
      ? [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_abc', name: 'get_weather', input: { city: 'Paris' } }]
      : [{ type: 'text', text: REPLY }];
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ ...base, content, stop_reason: tools ? 'tool_use' : 'end_turn', usage }));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (event: string, data: Record<string, unknown>) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  send('message_start', { message: { ...base, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
  send('ping', {});
  if (tools) {
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Let me check.' } });
    send('content_block_stop', { index: 0 });
    send('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_abc', name: 'get_weather', input: {} } });
    send('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } });
    send('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": ' } });
    send('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } });
    send('content_block_stop', { index: 1 });
  } else {
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    for (const piece of REPLY.match(/.{1,6}/g) ?? []) send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
    send('content_block_stop', { index: 0 });
  }
  if (body.model === 'overloaded-mid-stream') {
    send('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
    return void res.end();
  }
  send('message_delta', { delta: { stop_reason: tools ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } });
  if (body.model === 'truncated') return void res.end();
  send('message_stop', {});
  res.end();
}

/** What the real API refuses with 400 and umca must never send. */
function checkRequest(body: Body): string | undefined {
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  const messages = body.messages ?? [];
  if (messages[0]?.role !== 'user') return 'messages: first message must use the "user" role';
  for (let i = 1; i < messages.length; i += 1) {
    if (messages[i]!.role === messages[i - 1]!.role) return `messages.${i}: roles must alternate between "user" and "assistant"`;
  }
  for (let i = 0; i < messages.length; i += 1) {
    const content = messages[i]!.content;
    if (typeof content === 'string') continue;
    for (const block of content) {
      if (block.type !== 'tool_result') continue;
      const previous = messages[i - 1]?.content;
      const uses = Array.isArray(previous) ? previous.filter((b) => b.type === 'tool_use').map((b) => b.id) : [];
      if (!uses.includes(block.tool_use_id)) return `messages.${i}: tool_result block(s) provided when previous message does not have matching tool_use`;
    }
  }
  return undefined;
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}
