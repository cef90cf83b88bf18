import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { REQUEST_ID_HEADER, REQUEST_ID_MAX } from '../gateway/openai-api.js';
import { bodyLimit } from 'hono/body-limit';
import type { Umca } from '../umca.js';
import { errorHandler } from './on-error.js';
import { OpenAiHandlers } from '../gateway/openai-api.js';
import { openAiRoutes } from './openai-routes.js';
import { nulByte, tooLarge } from './parse-body.js';
import { NotFoundError } from '../core/errors.js';
import { routeAccess } from './route-actions.js';
import { type AppEnv } from './app-env.js';
import { consoleUi } from './console-ui.js';
import { mcpRoute } from './mcp-route.js';
import { meRoutes } from './me-routes.js';
import { settingsRoutes } from './settings-routes.js';
import { runsRoutes } from './runs-routes.js';
import { usageRoutes } from './usage-routes.js';
import { keysRoutes } from './keys-routes.js';
import { knowledgeRoutes } from './knowledge-routes.js';

export interface AppOptions {
  log?: (message: string, error?: unknown) => void;
  /** Heartbeat interval of SSE streams. */
  sseIdleMs?: number;
  /** The OpenAI handlers to share with a server's hot path (http-server.ts); made here otherwise. */
  openAi?: OpenAiHandlers;
  /** Where the built web console is (default ui/dist). */
  consoleDir?: string;
}

/** The HTTP edge. Built without a listening server, so tests call `app.request()`. */
export function createApp(umca: Pick<Umca, 'engine' | 'store' | 'bus' | 'config' | 'models' | 'cache' | 'meter' | 'access' | 'sandbox' | 'runs' | 'keys' | 'usage' | 'knowledge'>, options: AppOptions = {}): Hono<AppEnv> {
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`umca: ${message}${error instanceof Error ? ` (${error.message})` : ''}`));
  const app = new Hono<AppEnv>();
  app.onError(errorHandler(log));
  // Every answer carries an x-request-id: the caller's, when it sent a usable one (Hono's rule, as the fast path's).
  app.use('*', requestId({ headerName: REQUEST_ID_HEADER, limitLength: REQUEST_ID_MAX }));
  // A NUL byte in the path is no resource (404); in a query parameter, a bad value (400).
  app.use('*', async (c, next) => {
    const url = c.req.url;
    if (/%00|\0/i.test(url)) {
      const { pathname, searchParams } = new URL(url);
      if (/%00|\0/i.test(pathname)) throw new NotFoundError(pathname.startsWith('/v1/runs/') ? 'no such run' : 'no such route', pathname.startsWith('/v1/runs/') ? 'run_not_found' : 'not_found');
      const [name] = [...searchParams].find(([key, value]) => key.includes('\0') || value.includes('\0')) ?? ['query'];
      throw nulByte(`query parameter ${JSON.stringify(name.replace(/\0/g, '\\0'))}`);
    }
    await next();
  });
  // Every request is authenticated and authorised before its route runs (401 or 403, never more).
  app.use('*', async (c, next) => {
    const access = routeAccess(c.req.method, c.req.path);
    if (access !== 'public') {
      const principal = await umca.access.authenticate(c.req.header('authorization'));
      if (access.resource) await umca.access.authorize(principal, access.action, access.resource(principal));
      c.set('principal', principal);
    }
    await next();
  });
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}`, type: 'invalid_request_error', param: null } }, 404));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: umca.config.limits.request_body_bytes,
      onError: () => {
        throw tooLarge(umca.config.limits.request_body_bytes);
      },
    }),
  );
  app.get('/healthz', async (c) => {
    await umca.store.listRuns({ limit: 1 });
    return c.json({ status: 'ok', store: umca.store.kind });
  });
  // Ready to take work: the store answers and the bus is connected. 503 (with why) otherwise,
  // so a load balancer sends requests elsewhere while either is away.
  app.get('/readyz', async (c) => {
    const store = await Promise.race([
      umca.store.listRuns({ limit: 1 }).then(() => 'ok', (error: unknown) => `unreachable: ${(error as Error).message}`),
      new Promise<string>((resolve) => setTimeout(() => resolve('unreachable: no answer within 2 s'), 2_000).unref()),
    ]);
    const bus = umca.bus.healthy ? 'ok' : 'disconnected';
    const ready = store === 'ok' && bus === 'ok';
    return c.json({ status: ready ? 'ready' : 'unavailable', store: { kind: umca.store.kind, status: store }, bus: { kind: umca.bus.kind, status: bus } }, ready ? 200 : 503);
  });
  app.route('/v1/runs', runsRoutes(umca, options.sseIdleMs === undefined ? {} : { sseIdleMs: options.sseIdleMs }));
  app.route('/v1/usage', usageRoutes(umca));
  app.route('/v1/keys', keysRoutes(umca));
  app.route('/v1/kb', knowledgeRoutes(umca));
  app.route('/v1', meRoutes(umca));
  app.route('/v1', settingsRoutes(umca));
  app.route('/mcp', mcpRoute(umca));
  const openAi = options.openAi ?? new OpenAiHandlers(umca);
  app.route('/v1', openAiRoutes(openAi));
  app.get('/metrics', async (c) => c.body(await umca.meter.metrics.registry.metrics(), 200, { 'content-type': umca.meter.metrics.registry.contentType }));
  // Last: the web console's pages and assets.
  app.route('/', consoleUi(options.consoleDir));
  return app;
}
