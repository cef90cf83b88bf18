import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { answerBeforeBody } from './answer-before-body.js';
import { createApp, type AppOptions } from './app.js';
import { openAiFastPath } from './openai-fast-path.js';
import { OpenAiHandlers } from '../gateway/openai-api.js';

type ServedUmca = Parameters<typeof createApp>[0];

/**
 * The server `umca serve` listens with: the gateway's two POST routes on a plain node:http
 * hot path, everything else through the Hono app. Not listening yet; call `listen()`.
 */
export function createHttpServer(umca: ServedUmca, options: AppOptions & { log: (message: string, error?: unknown) => void }): Server {
  const openAi = new OpenAiHandlers(umca);
  const app = createApp(umca, { ...options, openAi });
  const fast = openAiFastPath(openAi, { bodyLimit: umca.config.limits.request_body_bytes, log: options.log, access: umca.access });
  const rest = getRequestListener(app.fetch);
  const server = createServer((req, res) => {
    answerBeforeBody(req, res);
    if (!fast(req, res)) void rest(req, res);
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
