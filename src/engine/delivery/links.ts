import type { Queryable } from '../../storage/index.ts';

export interface Link {
  entityId: string;
  salesforceId: string;
  hash: string;
  children: Record<string, string> | null;
  /** Two-way: the value of each field both sides last agreed on, by Ferry path. */
  base: Record<string, unknown> | null;
}

export async function loadLinks(db: Queryable, orgId: string, integrationId: string, entity: string, ids: string[]): Promise<Map<string, Link>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<{ entity_id: string; salesforce_id: string; synced_hash: string; children: Record<string, string> | null; base: Record<string, unknown> | null }>(
    'SELECT entity_id, salesforce_id, synced_hash, children, base FROM links WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND entity_id = ANY($4::uuid[])',
    [orgId, integrationId, entity, ids],
  );
  return new Map(rows.map((r) => [r.entity_id, { entityId: r.entity_id, salesforceId: r.salesforce_id, hash: r.synced_hash, children: r.children, base: r.base }]));
}

/** Salesforce ids of records any integration of the org delivered to this Salesforce org. */
export async function salesforceIdsAnywhere(db: Queryable, orgId: string, salesforceOrgId: string, entity: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<{ entity_id: string; salesforce_id: string }>(
    'SELECT DISTINCT ON (entity_id) entity_id, salesforce_id FROM links WHERE org_id = $1 AND salesforce_org_id = $2 AND entity = $3 AND entity_id = ANY($4::uuid[]) ORDER BY entity_id, synced_at DESC',
    [orgId, salesforceOrgId, entity, ids],
  );
  return new Map(rows.map((r) => [r.entity_id, r.salesforce_id]));
}

export interface LinkWrite {
  entityId: string;
  salesforceId: string;
  version: number;
  hash: string;
  children: Record<string, string> | null;
  /** Values both sides now hold, by Ferry path (merged into the link's base); null: none. */
  base?: Record<string, unknown> | null;
}

export async function saveLinks(db: Queryable, orgId: string, integrationId: string, entity: string, salesforceOrgId: string, object: string, links: LinkWrite[]): Promise<void> {
  if (links.length === 0) return;
  await db.query(
    `INSERT INTO links (org_id, integration_id, entity, entity_id, salesforce_org_id, salesforce_object, salesforce_id, synced_version, synced_hash, children, base, synced_at)
     SELECT $1, $2, $3, x.entity_id, $4, $5, x.salesforce_id, x.version, x.hash, x.children, x.base, now()
     FROM jsonb_to_recordset($6::jsonb) AS x(entity_id uuid, salesforce_id text, version integer, hash text, children jsonb, base jsonb)
     ON CONFLICT (org_id, integration_id, entity, entity_id) DO UPDATE SET
       salesforce_id = EXCLUDED.salesforce_id, synced_version = EXCLUDED.synced_version, synced_hash = EXCLUDED.synced_hash,
       children = EXCLUDED.children, salesforce_org_id = EXCLUDED.salesforce_org_id, synced_at = now(),
       base = CASE WHEN EXCLUDED.base IS NULL THEN links.base ELSE COALESCE(links.base, '{}'::jsonb) || EXCLUDED.base END`,
    [orgId, integrationId, entity, salesforceOrgId, object, JSON.stringify(links.map((l) => ({ entity_id: l.entityId, salesforce_id: l.salesforceId, version: l.version, hash: l.hash, children: l.children, base: l.base ?? null })))],
  );
}

/** Forgets delivered records (deleted in Salesforce), and any intent to send their children. */
export async function deleteLinks(db: Queryable, orgId: string, integrationId: string, entity: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('DELETE FROM links WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND entity_id = ANY($4::uuid[])', [orgId, integrationId, entity, ids]);
  await deleteIntents(db, orgId, integrationId, entity, ids);
}

/**
 * Children (by external key) that earlier deliveries set out to send and whose outcome no link
 * records yet: after a crash, they may exist in Salesforce although Ferry holds no id for them.
 */
export async function loadIntents(db: Queryable, orgId: string, integrationId: string, entity: string, ids: string[]): Promise<Map<string, string[]>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<{ entity_id: string; child_keys: string[] }>(
    'SELECT entity_id, child_keys FROM delivery_intents WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND entity_id = ANY($4::uuid[])',
    [orgId, integrationId, entity, ids],
  );
  return new Map(rows.map((r) => [r.entity_id, r.child_keys]));
}

/** Records, before they are sent, every child key that may exist in Salesforce once they are. */
export async function saveIntents(db: Queryable, orgId: string, integrationId: string, entity: string, intents: { entityId: string; keys: string[] }[]): Promise<void> {
  if (intents.length === 0) return;
  await db.query(
    `INSERT INTO delivery_intents (org_id, integration_id, entity, entity_id, child_keys)
     SELECT $1, $2, $3, x.entity_id, x.keys FROM jsonb_to_recordset($4::jsonb) AS x(entity_id uuid, keys jsonb)
     ON CONFLICT (org_id, integration_id, entity, entity_id) DO UPDATE SET child_keys = EXCLUDED.child_keys`,
    [orgId, integrationId, entity, JSON.stringify(intents.map((i) => ({ entity_id: i.entityId, keys: i.keys })))],
  );
}

export async function deleteIntents(db: Queryable, orgId: string, integrationId: string, entity: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('DELETE FROM delivery_intents WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND entity_id = ANY($4::uuid[])', [orgId, integrationId, entity, ids]);
}

/** Ferry paths held in unresolved conflicts, per record (see incoming/merge.ts). */
export async function heldPaths(db: Queryable, orgId: string, integrationId: string, ids: string[]): Promise<Map<string, Set<string>>> {
  const held = new Map<string, Set<string>>();
  if (ids.length === 0) return held;
  const rows = await db.query<{ entity_id: string; fields: { path: string; outcome: string }[] }>(
    "SELECT entity_id, fields FROM conflicts WHERE org_id = $1 AND integration_id = $2 AND entity_id = ANY($3::uuid[]) AND outcome = 'held' AND resolved_at IS NULL",
    [orgId, integrationId, ids],
  );
  for (const row of rows) {
    const paths = held.get(row.entity_id) ?? new Set<string>();
    for (const field of row.fields) if (field.outcome === 'held') paths.add(field.path);
    held.set(row.entity_id, paths);
  }
  return held;
}
