import pg from 'pg';
import type { Database, Queryable } from './database.ts';

// Postgres returns int8 and numeric as strings; Ferry keeps numeric (money) as strings on
// purpose, and reads int8 (journal sequences, counts) as JS numbers, which are exact up to 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface PostgresOptions {
  connectionString: string;
  maxConnections?: number;
  /** An idle pooled connection failed; the pool drops and replaces it. */
  onConnectionError?: ((error: Error) => void) | undefined;
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const result = await client.query(sql, [...params]);
      return result.rows as Row[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
    async execRows<Row>(sql: string) {
      const result = (await client.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return (last?.rows ?? []) as Row[];
    },
  };
}

export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  // An idle client that loses its connection must not crash the process; the pool replaces it,
  // and the caller hears of it.
  pool.on('error', (error) => options.onConnectionError?.(error));
  const base = wrap(pool);
  return {
    kind: 'postgres',
    ...base,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, handler, listenOptions = {}) {
      // LISTEN needs a connection of its own for as long as it listens. When that connection
      // fails (server restart, network cut, idle kill), it is opened again with backoff and the
      // caller is told, so it can catch up on what it missed: never a silent fall back to polling.
      let current: pg.Client | undefined;
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      const open = async (): Promise<pg.Client> => {
        const client = new pg.Client({ connectionString: options.connectionString });
        client.on('notification', (message) => {
          if (message.channel === channel) handler(message.payload ?? '');
        });
        client.on('error', (error) => lost(client, error));
        client.on('end', () => lost(client, new Error(`the connection listening on ${channel} closed`)));
        await client.connect();
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        return client;
      };
      const reopen = (attempt: number) => {
        retry = setTimeout(() => {
          open().then(
            (client) => {
              if (stopped) {
                void client.end();
                return;
              }
              current = client;
              listenOptions.onReconnect?.();
            },
            (error: unknown) => {
              listenOptions.onError?.(error);
              if (!stopped) reopen(attempt + 1);
            },
          );
        }, Math.min(30_000, 100 * 2 ** attempt));
      };
      const lost = (client: pg.Client, error: unknown) => {
        if (stopped || current !== client) return;
        current = undefined;
        client.removeAllListeners('end');
        listenOptions.onError?.(error);
        reopen(0);
      };
      current = await open();
      return async () => {
        stopped = true;
        clearTimeout(retry);
        const client = current;
        current = undefined;
        client?.removeAllListeners('end');
        await client?.end();
      };
    },
    async close() {
      await pool.end();
    },
  };
}
