import { randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../storage/index.ts';
import { hashApiKey } from './organizations.ts';

/**
 * Console sessions. Signing in trades an API key for a random session token that the browser
 * keeps in an HttpOnly cookie, so the key itself is never stored by the browser. The database
 * keeps the token's hash, the organization and the key it was opened with; a session ends when it
 * expires, when it is closed (sign-out), or when its key is revoked.
 */
export interface OpenedSession {
  /** The cookie value: shown to the browser once, only its hash is stored. */
  token: string;
  orgId: string;
  organizationName: string;
  key: { id: string; name: string; prefix: string };
  expiresAt: Date;
}

export interface SessionInfo {
  orgId: string;
  organizationName: string;
  apiKeyId: string;
  keyName: string;
  keyPrefix: string;
  expiresAt: Date;
}

/** Opens a session for an active API key; undefined for an unknown or revoked key. */
export async function openSession(db: Database, apiKey: string, lifetimeMs: number): Promise<OpenedSession | undefined> {
  return db.transaction(async (tx) => {
    const [key] = await tx.query<{ id: string; org_id: string; org_name: string; name: string; key_prefix: string }>(
      'SELECT k.id, k.org_id, o.name AS org_name, k.name, k.key_prefix FROM api_keys k JOIN organizations o ON o.id = k.org_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL',
      [hashApiKey(apiKey)],
    );
    if (key === undefined) return undefined;
    // Expired sessions go as new ones come: the table holds live sessions and a few stale ones.
    await tx.query('DELETE FROM console_sessions WHERE expires_at < now()');
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + lifetimeMs);
    await tx.query('INSERT INTO console_sessions (token_hash, org_id, api_key_id, expires_at) VALUES ($1, $2, $3, $4)', [
      hashApiKey(token),
      key.org_id,
      key.id,
      expiresAt,
    ]);
    return { token, orgId: key.org_id, organizationName: key.org_name, key: { id: key.id, name: key.name, prefix: key.key_prefix }, expiresAt };
  });
}

/** The live session a token names: not expired, its key not revoked. */
export async function sessionOf(db: Queryable, token: string): Promise<SessionInfo | undefined> {
  const [row] = await db.query<{ org_id: string; org_name: string; api_key_id: string; key_name: string; key_prefix: string; expires_at: Date }>(
    `SELECT s.org_id, o.name AS org_name, s.api_key_id, k.name AS key_name, k.key_prefix, s.expires_at
       FROM console_sessions s
       JOIN api_keys k ON k.id = s.api_key_id AND k.revoked_at IS NULL
       JOIN organizations o ON o.id = s.org_id
      WHERE s.token_hash = $1 AND s.expires_at > now()`,
    [hashApiKey(token)],
  );
  if (row === undefined) return undefined;
  return { orgId: row.org_id, organizationName: row.org_name, apiKeyId: row.api_key_id, keyName: row.key_name, keyPrefix: row.key_prefix, expiresAt: row.expires_at };
}

/** Ends a session (sign-out); a token that names none changes nothing. */
export async function closeSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM console_sessions WHERE token_hash = $1', [hashApiKey(token)]);
}
