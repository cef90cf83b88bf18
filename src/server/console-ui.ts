import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.js';

/** Where `npm run build` puts the web console (`ui/` built by Vite). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

/** The console's own pages: each answers with index.html, and the app routes in the browser. */
export const CONSOLE_ROUTES = /^\/(?:$|new$|runs(?:\/[^/]+)?(?:\/audit)?$|kb(?:\/[^/]+)?$|settings$|signin$|callback$)/;

/** Sets `cache-control` on what the handlers after it served. */
const cacheFor = (value: string): MiddlewareHandler => async (c, next) => {
  await next();
  if (c.res.status === 200) c.res.headers.set('cache-control', value);
};

/**
 * The web console at `/`: its pages (index.html, no caching) and its assets (content-hashed
 * names, cached for a year), served by @hono/node-server's static files. It reads the same
 * public API as everyone else; serving it needs no sign-in, and nothing in it is data.
 */
export function consoleUi(dir = CONSOLE_DIR): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const built = existsSync(join(dir, 'index.html'));
  if (built) app.get('/assets/*', cacheFor('public, max-age=31536000, immutable'), serveStatic({ root: dir }));
  // Anything else that is not one of the console's pages is the API's 404.
  app.get('*', async (c, next) => (CONSOLE_ROUTES.test(c.req.path) ? next() : c.notFound()));
  if (built) app.get('*', cacheFor('no-cache'), serveStatic({ root: dir, path: 'index.html' }));
  else app.get('*', (c) => c.text('The web console is not built here: run `npm run build` (it builds ui/ with Vite).', 404));
  return app;
}
