// Starts Ferry's HTTP API on 127.0.0.1 with a fresh database, and talks to it over real HTTP.
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../src/api/index.ts';
import { createOrganization } from '../src/platform/index.ts';
import type { Database } from '../src/storage/index.ts';
import { openTestDatabase } from './db.ts';
import { apiClient, type CallOptions } from './net.ts';

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
  call<T = any>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<HttpResult<T>>;
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
    call: apiClient(url, apiKey),
    async close() {
      await app.close();
      await db.close();
    },
  };
}
