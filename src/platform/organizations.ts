import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Database, Queryable } from '../storage/index.ts';

export interface Organization {
  id: string;
  name: string;
  isDefault: boolean;
  createdAt: string;
}

interface OrganizationRow {
  id: string;
  name: string;
  is_default: boolean;
  created_at: Date;
}

const toOrganization = (row: OrganizationRow): Organization => ({
  id: row.id,
  name: row.name,
  isDefault: row.is_default,
  createdAt: row.created_at.toISOString(),
});

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** `ferry_` and 43 url-safe characters: 256 random bits. */
export function generateApiKey(): string {
  return `ferry_${randomBytes(32).toString('base64url')}`;
}

async function insertKey(tx: Queryable, orgId: string, key: string, name: string): Promise<void> {
  await tx.query('INSERT INTO api_keys (id, org_id, key_hash, key_prefix, name) VALUES ($1, $2, $3, $4, $5)', [
    uuidv7(),
    orgId,
    hashApiKey(key),
    key.slice(0, 10),
    name,
  ]);
}

export interface CreatedOrganization {
  organization: Organization;
  /** Shown once: only its hash is stored. */
  apiKey: string;
}

export async function createOrganization(
  db: Database,
  name: string,
  options: { isDefault?: boolean; apiKey?: string | undefined } = {},
): Promise<CreatedOrganization> {
  const apiKey = options.apiKey ?? generateApiKey();
  return db.transaction(async (tx) => {
    const [row] = await tx.query<OrganizationRow>(
      'INSERT INTO organizations (id, name, is_default) VALUES ($1, $2, $3) RETURNING id, name, is_default, created_at',
      [uuidv7(), name, options.isDefault === true],
    );
    await insertKey(tx, row!.id, apiKey, 'initial key');
    return { organization: toOrganization(row!), apiKey };
  });
}

/**
 * Creates the default organization on first start and returns its key; later starts find it and
 * return no key (it was shown once). Safe when several processes start together: the partial
 * unique index on is_default lets one insert win, and the others read the winner.
 */
export async function ensureDefaultOrganization(
  db: Database,
  presetKey?: string,
): Promise<{ organization: Organization; apiKey?: string }> {
  const existing = await db.query<OrganizationRow>('SELECT id, name, is_default, created_at FROM organizations WHERE is_default');
  if (existing[0] !== undefined) return { organization: toOrganization(existing[0]) };
  try {
    return await createOrganization(db, 'Default organization', { isDefault: true, apiKey: presetKey });
  } catch (error) {
    const again = await db.query<OrganizationRow>('SELECT id, name, is_default, created_at FROM organizations WHERE is_default');
    if (again[0] !== undefined) return { organization: toOrganization(again[0]) };
    throw error;
  }
}

/** The organization an API key belongs to, and the key's id; undefined for an unknown or revoked key. */
export async function findApiKey(db: Queryable, key: string): Promise<{ orgId: string; keyId: string } | undefined> {
  const rows = await db.query<{ org_id: string; id: string }>('SELECT org_id, id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [
    hashApiKey(key),
  ]);
  return rows[0] === undefined ? undefined : { orgId: rows[0].org_id, keyId: rows[0].id };
}

/** The organization an API key belongs to, or undefined for an unknown or revoked key. */
export async function authenticateApiKey(db: Queryable, key: string): Promise<string | undefined> {
  return (await findApiKey(db, key))?.orgId;
}

export async function listOrganizations(db: Queryable): Promise<Organization[]> {
  const rows = await db.query<OrganizationRow>('SELECT id, name, is_default, created_at FROM organizations ORDER BY created_at');
  return rows.map(toOrganization);
}

/**
 * Issues a new API key for an organization (`ferry org key create`): the way back in when the
 * first key was lost or never shown. Undefined when no organization has that id.
 */
export async function createApiKey(db: Database, orgId: string, name = 'issued by ferry org key create'): Promise<string | undefined> {
  const key = generateApiKey();
  return db.transaction(async (tx) => {
    const found = await tx.query('SELECT 1 FROM organizations WHERE id = $1', [orgId]);
    if (found.length === 0) return undefined;
    await insertKey(tx, orgId, key, name);
    return key;
  });
}

/** Adds `key` to the organization unless it is already a key (used for FERRY_API_KEY on later starts). */
export async function addApiKeyIfMissing(db: Database, orgId: string, key: string): Promise<boolean> {
  const known = await db.query('SELECT 1 FROM api_keys WHERE key_hash = $1', [hashApiKey(key)]);
  if (known.length > 0) return false;
  await db.transaction((tx) => insertKey(tx, orgId, key, 'FERRY_API_KEY'));
  return true;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  /** The key's first characters (`ferry_AbCd`), enough to tell keys apart; the key itself is never stored. */
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

interface ApiKeyRow {
  id: string;
  name: string;
  key_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toApiKeyInfo = (row: ApiKeyRow): ApiKeyInfo => ({
  id: row.id,
  name: row.name,
  prefix: row.key_prefix,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
});

/** The organization's keys, newest first, revoked ones included (they stay listed, marked). */
export async function listApiKeys(db: Queryable, orgId: string): Promise<ApiKeyInfo[]> {
  const rows = await db.query<ApiKeyRow>(
    'SELECT id, name, key_prefix, created_at, revoked_at FROM api_keys WHERE org_id = $1 ORDER BY created_at DESC, id DESC',
    [orgId],
  );
  return rows.map(toApiKeyInfo);
}

/** Issues a named key for the organization; the key is returned once, only its hash is kept. */
export async function issueApiKey(db: Database, orgId: string, name: string): Promise<{ key: ApiKeyInfo; apiKey: string }> {
  const apiKey = generateApiKey();
  return db.transaction(async (tx) => {
    await insertKey(tx, orgId, apiKey, name);
    const [row] = await tx.query<ApiKeyRow>('SELECT id, name, key_prefix, created_at, revoked_at FROM api_keys WHERE key_hash = $1', [hashApiKey(apiKey)]);
    return { key: toApiKeyInfo(row!), apiKey };
  });
}

export type RevokeOutcome = { revoked: ApiKeyInfo } | { refused: 'not_found' | 'last_key' };

/**
 * Revokes a key: requests with it are refused from then on, and the console sessions opened with
 * it end. The organization's last active key is kept, since nothing could sign in after it.
 */
export async function revokeApiKey(db: Database, orgId: string, keyId: string): Promise<RevokeOutcome> {
  return db.transaction(async (tx) => {
    const active = await tx.query<{ id: string }>('SELECT id FROM api_keys WHERE org_id = $1 AND revoked_at IS NULL FOR UPDATE', [orgId]);
    const [row] = await tx.query<ApiKeyRow>('SELECT id, name, key_prefix, created_at, revoked_at FROM api_keys WHERE org_id = $1 AND id = $2', [orgId, keyId]);
    if (row === undefined) return { refused: 'not_found' };
    if (row.revoked_at !== null) return { revoked: toApiKeyInfo(row) };
    if (active.length <= 1) return { refused: 'last_key' };
    const [revoked] = await tx.query<ApiKeyRow>(
      'UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING id, name, key_prefix, created_at, revoked_at',
      [keyId],
    );
    await tx.query('DELETE FROM console_sessions WHERE api_key_id = $1', [keyId]);
    return { revoked: toApiKeyInfo(revoked!) };
  });
}
