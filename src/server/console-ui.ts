import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from './route-actions.js';

/** Where `npm run build` puts the web console (`ui/` built by Vite). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

/** The console's own pages: each answers with index.html, and the app routes in the browser. */
export const CONSOLE_ROUTES = /^\/(?:$|new$|runs(?:\/[^/]+)?(?:\/audit)?$|settings$|signin$|callback$)/;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The web console at `/`: its pages (index.html, no caching) and its assets (content-hashed
 * names, cached for a year). It reads the same public API as everyone else; serving it
 * needs no sign-in, and nothing in it is data.
 */
export function consoleUi(dir = CONSOLE_DIR): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const index = () => (existsSync(join(dir, 'index.html')) ? readFileSync(join(dir, 'index.html')) : undefined);

  app.get('/assets/*', (c) => {
    const path = normalize(c.req.path).replace(/^\/+/, '');
    const file = join(dir, path);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) return c.notFound();
    return c.body(readFileSync(file), 200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=31536000, immutable' });
  });

  app.get('*', (c) => {
    if (!CONSOLE_ROUTES.test(c.req.path)) return c.notFound();
    const html = index();
    if (!html) return c.text('The web console is not built here: run `npm run build` (it builds ui/ with Vite).', 404);
    return c.body(html, 200, { 'content-type': TYPES['.html']!, 'cache-control': 'no-cache' });
  });
  return app;
}
