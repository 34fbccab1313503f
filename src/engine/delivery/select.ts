import { toStoredRecord } from '../../platform/index.ts';
import type { Database } from '../../storage/index.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import type { CompiledMapping, ObjectMapper } from '../mapping/mapping.ts';
import type { Candidate } from './context.ts';

/** Which records a run looks at: pending journal changes, every live record, or given ones. */
export interface Selection {
  mode: 'incremental' | 'full';
  recordIds?: string[] | undefined;
}

/** Candidates of one object, or the journal position up to which every earlier batch was delivered. */
export type Batch = { mapper: ObjectMapper; candidates: Candidate[] } | { toSeq: number };

interface RecordRowWithAccount {
  id: string;
  entity: string;
  version: number;
  key: string | null;
  account_id: string | null;
  parent_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export async function loadCandidates(db: Database, orgId: string, entity: string, ids: string[], changed?: Map<string, Set<string> | null>): Promise<Candidate[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<RecordRowWithAccount>(
    `SELECT id, entity, version, key, account_id, parent_id, data, created_at, updated_at, deleted_at FROM records
     WHERE org_id = $1 AND entity = $2 AND id = ANY($3::uuid[]) ORDER BY id`,
    [orgId, entity, ids],
  );
  return rows.map((row) => ({ entity, record: toStoredRecord(row), accountId: row.account_id, deleted: row.deleted_at !== null, changedFields: changed?.get(row.id) ?? null }));
}

/** Whether an incremental run has anything to look at (no Salesforce call is made otherwise). */
export async function hasPendingChanges(db: Database, integration: IntegrationRow, entities: string[]): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM journal WHERE org_id = $1 AND entity = ANY($2::text[]) AND seq > $3 LIMIT 1', [integration.org_id, entities, integration.cursor_seq]);
  return rows.length > 0;
}

/**
 * Yields candidates per object in delivery order (parents first), `chunkSize` journal entries (or
 * records) at a time. In incremental mode a `{ toSeq }` follows the batches of each chunk: the
 * watermark may move there once they are delivered.
 */
export async function* select(db: Database, integration: IntegrationRow, mapping: CompiledMapping, selection: Selection, chunkSize: number): AsyncGenerator<Batch> {
  const orgId = integration.org_id;
  if (selection.recordIds !== undefined) {
    for (const mapper of mapping.objects) yield { mapper, candidates: await loadCandidates(db, orgId, mapper.definition.entity, selection.recordIds) };
    return;
  }
  if (selection.mode === 'full') {
    for (const mapper of mapping.objects) {
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const rows = await db.query<{ id: string }>(
          'SELECT id FROM records WHERE org_id = $1 AND entity = $2 AND deleted_at IS NULL AND id > $3 ORDER BY id LIMIT $4',
          [orgId, mapper.definition.entity, after, chunkSize],
        );
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.id;
        yield { mapper, candidates: await loadCandidates(db, orgId, mapper.definition.entity, rows.map((r) => r.id)) };
      }
    }
    return;
  }
  const entities = mapping.objects.map((m) => m.definition.entity);
  let cursor = integration.cursor_seq;
  for (;;) {
    const entries = await db.query<{ seq: number; entity: string; entity_id: string; operation: string; changed_fields: string[] | null }>(
      'SELECT seq, entity, entity_id, operation, changed_fields FROM journal WHERE org_id = $1 AND entity = ANY($2::text[]) AND seq > $3 ORDER BY seq LIMIT $4',
      [orgId, entities, cursor, chunkSize],
    );
    if (entries.length === 0) return;
    const toSeq = entries[entries.length - 1]!.seq;
    for (const mapper of mapping.objects) {
      // What changed, per record, over every entry of this chunk: a creation or a deletion
      // counts as everything.
      const changed = new Map<string, Set<string> | null>();
      for (const entry of entries) {
        if (entry.entity !== mapper.definition.entity) continue;
        const sofar = changed.get(entry.entity_id);
        if (entry.operation !== 'update' || entry.changed_fields === null || sofar === null) changed.set(entry.entity_id, null);
        else changed.set(entry.entity_id, new Set([...(sofar ?? []), ...entry.changed_fields]));
      }
      if (changed.size > 0) yield { mapper, candidates: await loadCandidates(db, orgId, mapper.definition.entity, [...changed.keys()], changed) };
    }
    yield { toSeq };
    cursor = toSeq;
    if (entries.length < chunkSize) return;
  }
}
