import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { OpenAiAnswer, OpenAiCall, OpenAiHandlers } from '../gateway/openai-api.js';
import { readJsonBody } from './parse-body.js';
import type { AppEnv } from './app-env.js';

/**
 * OpenAI's API as Hono routes, for the app used in-process (`app.request()`). `umca serve`
 * answers the two POST routes on its plain node:http path instead (openai-fast-path.ts);
 * both call the same OpenAiHandlers.
 */
export function openAiRoutes(handlers: OpenAiHandlers): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/models', (c) => c.json(handlers.models()));
  // Model ids may hold a slash (provider/model).
  app.get('/models/:id{.+}', (c) => c.json(handlers.model(decodeURIComponent(c.req.param('id')))));
  app.post('/embeddings', async (c) => answer(c, await handlers.embeddings(await call(c))));
  app.post('/chat/completions', async (c) => answer(c, await handlers.chatCompletion(await call(c))));
  app.post('/responses', async (c) => answer(c, await handlers.responses(await call(c))));
  return app;
}

async function call(c: Context<AppEnv>): Promise<OpenAiCall> {
  const arrived = performance.now();
  return { body: await readJsonBody(c), principal: c.get('principal'), authorization: c.req.header('authorization'), cacheControl: c.req.header('cache-control'), signal: c.req.raw.signal, arrived };
}

function answer(c: Context, answer: OpenAiAnswer): Response {
  for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
  if (answer.kind === 'json') return c.json(answer.body);
  return streamSSE(c, async (stream) => {
    for await (const data of answer.events) await stream.writeSSE({ data });
  });
}
