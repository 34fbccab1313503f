import { createRequire } from 'node:module';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The API reference, two ways, both served by Ferry itself (nothing is loaded from elsewhere, so
 * both work on an air-gapped install):
 *  - /api/v1/docs: Swagger UI (the swagger-ui-dist package, the OpenAPI initiative's reference
 *    renderer, maintained by SmartBear): operations by tag, schemas, examples, and "Try it out",
 *    which sends requests with the console session when the person is signed in;
 *  - /api/v1/docs/plain: one static page rendered here, with no script at all.
 */
const swaggerUiDir = (createRequire(import.meta.url)('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();

const SWAGGER_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ferry API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css"><link rel="icon" href="/api/v1/docs/assets/favicon-32x32.png">
<style>body{margin:0}.ferry-bar{font:14px system-ui,sans-serif;padding:8px 20px;background:#1b2a41;color:#fff}.ferry-bar a{color:#9cc3ff}</style></head>
<body><div class="ferry-bar"><a href="/">← Ferry console</a> · <a href="/api/v1/openapi.json">OpenAPI document</a> · <a href="/api/v1/docs/plain">plain page (no script)</a></div>
<main id="swagger-ui"></main><noscript>This reference needs JavaScript; the <a href="/api/v1/docs/plain">plain page</a> does not.</noscript>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script><script src="/api/v1/docs/init.js"></script></body></html>`;

const SWAGGER_INIT = `window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true, docExpansion: 'none', defaultModelsExpandDepth: 0,
  displayOperationId: false, filter: true, tryItOutEnabled: false, validatorUrl: null,
  requestInterceptor: function (request) { request.credentials = 'same-origin'; return request; },
});`;

export function serveDocs(app: FastifyInstance, document: Record<string, unknown>): void {
  const plain = renderDocsPage(document);
  void app.register(fastifyStatic, { root: swaggerUiDir, prefix: '/api/v1/docs/assets/', decorateReply: false, index: false });
  app.get('/api/v1/docs', (_request, reply) => reply.type('text/html; charset=utf-8').send(SWAGGER_PAGE));
  app.get('/api/v1/docs/init.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').send(SWAGGER_INIT));
  app.get('/api/v1/docs/plain', (_request, reply) => reply.type('text/html; charset=utf-8').send(plain));
}

/**
 * A readable reference rendered on the server from the OpenAPI document: one section per tag, each
 * operation with its parameters, body and responses. No script, no external assets.
 */
const escape = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters: { name: string; in: string; required: boolean; schema: unknown; description?: string }[];
  requestBody?: { content: { 'application/json': { schema: unknown } } };
  responses: Record<string, { description: string; content?: { 'application/json': { schema: unknown } } }>;
}

export function renderDocsPage(document: Record<string, unknown>): string {
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters
        .map((p) => `<li><code>${escape(p.name)}</code> <small>${p.in}${p.required ? ', required' : ''}</small> ${escape(p.description ?? '')} <code>${escape(JSON.stringify(p.schema))}</code></li>`)
        .join('');
      const body = op.requestBody ? `<details><summary>Request body</summary><pre>${escape(JSON.stringify(op.requestBody.content['application/json'].schema, null, 2))}</pre></details>` : '';
      const responses = Object.entries(op.responses)
        .map(([status, r]) => `<li><b>${status}</b> ${escape(r.description)}${r.content ? ` <code>${escape(JSON.stringify(r.content['application/json'].schema))}</code>` : ''}</li>`)
        .join('');
      const html = `<section id="${escape(op.operationId)}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>
<p>${escape(op.summary)}${op.description ? `<br><small>${escape(op.description)}</small>` : ''}</p>
${params ? `<p>Parameters</p><ul>${params}</ul>` : ''}${body}<p>Responses</p><ul>${responses}</ul></section>`;
      const tag = op.tags[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const toc = [...byTag.keys()].map((tag) => `<a href="#tag-${escape(tag)}">${escape(tag)}</a>`).join(' · ');
  const sections = [...byTag.entries()].map(([tag, ops]) => `<h2 id="tag-${escape(tag)}">${escape(tag)}</h2>${ops.join('')}`).join('');
  const schemaList = Object.entries(schemas)
    .map(([name, schema]) => `<details id="schema-${escape(name)}"><summary>${escape(name)}</summary><pre>${escape(JSON.stringify(schema, null, 2))}</pre></details>`)
    .join('');
  const info = document.info as { title: string; version: string; description: string };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)} reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
code,pre{font:13px ui-monospace,monospace;background:#f3f4f6;border-radius:4px;padding:1px 4px}pre{padding:8px;overflow:auto}
section{border-top:1px solid #e5e7eb;padding:.5rem 0}.m{font-weight:700;padding:1px 6px;border-radius:4px;color:#fff;font-size:12px}
.get{background:#2563eb}.post{background:#16a34a}.patch{background:#d97706}.delete{background:#dc2626}.put{background:#7c3aed}
nav{position:sticky;top:0;background:#fff;padding:.5rem 0;border-bottom:1px solid #e5e7eb}</style></head>
<body><h1>${escape(info.title)} <small>v${escape(info.version)}</small></h1><p>${escape(info.description)}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>.</p>
<nav>${toc} · <a href="#schemas">Schemas</a></nav>${sections}<h2 id="schemas">Schemas</h2>${schemaList}</body></html>`;
}
