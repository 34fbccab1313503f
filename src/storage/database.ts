/**
 * The one seam between Ferry and its database. PGlite (embedded) and a Postgres server both sit
 * behind it; everything above speaks the Postgres dialect through these few calls.
 */
export interface Queryable {
  /** Runs one parameterised statement and returns its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs several statements without parameters (DDL, migrations). */
  exec(sql: string): Promise<void>;
  /** Like exec, and returns the rows of the last statement (for libraries that send scripts). */
  execRows<Row = Record<string, unknown>>(sql: string): Promise<Row[]>;
}

export interface ListenOptions {
  /** The listening connection failed (it is being re-opened) or could not be re-opened yet. */
  onError?: (error: unknown) => void;
  /** Listening again after a failure: notifications sent meanwhile were missed. */
  onReconnect?: () => void;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Calls `handler` for each NOTIFY on `channel` (from any process sharing the database; a NOTIFY
   * sent inside a transaction arrives when it commits). Resolves to a function that stops listening.
   */
  listen(channel: string, handler: (payload: string) => void, options?: ListenOptions): Promise<() => Promise<void>>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Postgres SQLSTATE codes Ferry reacts to. */
export const SqlState = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
