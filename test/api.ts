// Starts Ferry's HTTP API on 127.0.0.1 with a fresh database, and talks to it over real HTTP.
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../src/api/index.ts';
import { createOrganization } from '../src/platform/index.ts';
import type { Database } from '../src/storage/index.ts';
import { openTestDatabase } from './db.ts';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestApi {
  url: string;
  db: Database;
  apiKey: string;
  orgId: string;
  app: FastifyInstance;
  /** JSON request with this org's key (or the one given, or none with key: null). */
  call<T = any>(method: string, path: string, body?: unknown, options?: { key?: string | null; raw?: string; headers?: Record<string, string> }): Promise<HttpResult<T>>;
  close(): Promise<void>;
}

export async function startTestApi(options: { bodyLimitBytes?: number } = {}): Promise<TestApi> {
  const db = await openTestDatabase();
  const { organization, apiKey } = await createOrganization(db, 'Test org');
  const app = buildServer({ db, bodyLimitBytes: options.bodyLimitBytes });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    db,
    apiKey,
    orgId: organization.id,
    app,
    async call(method, path, body, callOptions = {}) {
      const key = callOptions.key === undefined ? apiKey : callOptions.key;
      const headers: Record<string, string> = { ...callOptions.headers };
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let payload: string | undefined = callOptions.raw;
      if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
      if (payload !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = text;
      }
      return { status: response.status, body: parsed as never, headers: response.headers };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}
