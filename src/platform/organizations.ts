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

/** The organization an API key belongs to, or undefined for an unknown or revoked key. */
export async function authenticateApiKey(db: Queryable, key: string): Promise<string | undefined> {
  const rows = await db.query<{ org_id: string }>('SELECT org_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [
    hashApiKey(key),
  ]);
  return rows[0]?.org_id;
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
