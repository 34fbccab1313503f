import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm install` (and `npm start`, when the sources changed) builds the console. */
export const DEFAULT_CONSOLE_DIR = join(import.meta.dirname, '../../../console/dist');

/**
 * The console's pages: they run only scripts and styles of their own origin, and are never framed.
 * Mantine sets styles on elements, so inline styles are allowed; inline scripts are not.
 */
const CONSOLE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-cache',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ferry console not built</title></head>
<body style="font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto"><h1>The console is not built</h1>
<p>Ferry's API is running, but the console's files are missing. Build them in Ferry's folder with
<code>npm run build:console</code> (<code>npm install</code> and <code>npm start</code> do it too), then reload this page.</p>
<p>The API reference is at <a href="/api/v1/docs">/api/v1/docs</a>.</p></body></html>`;

export interface ConsolePages {
  /** A browser asking for a page of the console (any path outside the API), which the single-page app routes itself. */
  answers(request: FastifyRequest): boolean;
  page(reply: FastifyReply): FastifyReply;
}

/**
 * Serves the built console: its hashed assets as static files, and its index page for every other
 * path a browser opens (`/integrations/...`), since the single-page app routes on the client.
 */
export function serveConsole(app: FastifyInstance, dir = DEFAULT_CONSOLE_DIR): ConsolePages {
  const indexFile = join(dir, 'index.html');
  if (existsSync(dir)) {
    void app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      index: false,
      // Files are looked up when asked for, so a rebuild (npm start after a change) is served as is;
      // a path with no file falls through to the not-found handler below, which serves the app.
      wildcard: true,
      decorateReply: false,
      // Folders (`/`, `/assets/`) are not listed: the app's page answers them instead.
      allowedPath: (pathName) => !pathName.endsWith('/'),
      // Files under assets/ carry a content hash in their names: they never change.
      setHeaders: (res, path) => {
        res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  return {
    answers: (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      const path = request.url.split('?')[0]!;
      // A missing asset (a chunk of an older build) is a 404, not the app's page in its place.
      if (path.startsWith('/api/') || path.startsWith('/assets/') || path === '/healthz' || path === '/readyz') return false;
      const accept = request.headers.accept ?? '';
      return accept.includes('text/html') || accept.includes('*/*') || accept === '';
    },
    page: (reply) => {
      // Read at each request (it is small): it names the current build's assets.
      const built = existsSync(indexFile);
      return reply.status(built ? 200 : 503).headers(CONSOLE_HEADERS).type('text/html; charset=utf-8').send(built ? readFileSync(indexFile, 'utf8') : NOT_BUILT);
    },
  };
}
