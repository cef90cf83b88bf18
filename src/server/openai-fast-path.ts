import type { IncomingMessage, ServerResponse } from 'node:http';
import { UmcaError } from '../core/errors.js';
import type { AccessGuard } from '../identity/access-guard.js';
import { errorAnswer } from './error-answer.js';
import { REQUEST_ID_HEADER, requestIdOf, type OpenAiAnswer, type OpenAiCall, type OpenAiHandlers } from '../gateway/openai-api.js';
import { isJsonContentType, notJsonMediaType, parseJsonText, tooLarge } from './parse-body.js';

type Route = (handlers: OpenAiHandlers, call: OpenAiCall) => Promise<OpenAiAnswer>;

interface FastPathOptions {
  bodyLimit: number;
  log: (message: string, error?: unknown) => void;
  /** Checks the caller may `use-model` before the body is read. */
  access: Pick<AccessGuard, 'authenticate' | 'authorize'>;
}

const ROUTES: Record<string, Route> = {
  '/v1/chat/completions': (handlers, call) => handlers.chatCompletion(call),
  '/v1/embeddings': (handlers, call) => handlers.embeddings(call),
  '/v1/responses': (handlers, call) => handlers.responses(call),
};

/**
 * The gateway's hot path: `POST /v1/chat/completions` and `/v1/embeddings` answered on
 * plain `node:http`, without the Request/Response/Web Streams objects a fetch-style
 * framework builds per request (under Node 20 they cost more CPU than the whole gateway;
 * docs/benchmarks.md). Returns false for any other request, which the Hono app answers.
 */
export function openAiFastPath(handlers: OpenAiHandlers, options: FastPathOptions) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST') return false;
    const query = req.url!.indexOf('?');
    const route = ROUTES[query < 0 ? req.url! : req.url!.slice(0, query)];
    if (!route) return false;
    const arrived = performance.now();
    void serve(route, handlers, req, res, arrived, options);
    return true;
  };
}

async function serve(
  route: Route,
  handlers: OpenAiHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  arrived: number,
  options: FastPathOptions,
): Promise<void> {
  const controller = new AbortController();
  const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new UmcaError('client_closed', 'the caller closed the connection', { status: 499 }));
  });
  try {
    const headers = req.headers;
    const principal = await options.access.authenticate(headers.authorization);
    await options.access.authorize(principal, 'use-model', { type: 'Model', id: '*', attrs: { ref: '*' } });
    const body = await readJson(req, options.bodyLimit);
    const answer = await route(handlers, { body, principal, authorization: headers.authorization, cacheControl: headers['cache-control'], signal: controller.signal, arrived });
    if (answer.kind === 'json') {
      const text = JSON.stringify(answer.body);
      answer.headers['content-type'] = 'application/json';
      answer.headers[REQUEST_ID_HEADER] = requestId;
      answer.headers['content-length'] = String(Buffer.byteLength(text));
      res.writeHead(200, answer.headers);
      res.end(text);
      return;
    }
    res.writeHead(200, { ...answer.headers, [REQUEST_ID_HEADER]: requestId, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    for await (const data of answer.events) {
      if (controller.signal.aborted) break;
      if (!res.write(`data: ${data}\n\n`)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
    }
    res.end();
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const answer = errorAnswer(error, `${req.method} ${req.url}`, options.log);
    const text = JSON.stringify(answer.body);
    // A body left unread (too large) closes the connection after the answer (answer-before-body.ts).
    res.writeHead(answer.status, { ...answer.headers, [REQUEST_ID_HEADER]: requestId, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

/** The body as JSON, at most `limit` bytes (413 beyond, checked before reading when the length is declared). */
function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!isJsonContentType(req.headers['content-type'])) {
      reject(notJsonMediaType());
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size <= limit) return;
      req.off('data', onData).off('end', onEnd);
      reject(tooLarge(limit));
    };
    const onEnd = () => {
      try {
        resolve(parseJsonText(chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString()));
      } catch (error) {
        reject(error);
      }
    };
    req.on('data', onData).on('end', onEnd).once('error', reject);
  });
}
