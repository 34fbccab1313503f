import { deletedRecordIdsSince, hasJournalAfter, journalAfter, liveRecordIdsAfter, loadRecordsWithAccount } from '../../platform/index.ts';
import type { Database } from '../../storage/index.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import type { CompiledMapping, ObjectMapper } from '../mapping/mapping.ts';
import type { Candidate } from './context.ts';

/** Which records a run looks at: pending journal changes, every live record, or given ones. */
export interface Selection {
  mode: 'incremental' | 'full';
  recordIds?: string[] | undefined;
  /**
   * Full mode: also the records deleted since then (an integration catching up after pruning
   * removed journal entries it had not sent: their deletions are in no live record).
   */
  deletedSince?: Date | undefined;
  /** Full mode: where an earlier run of the same pass got to (it is continued, not started over). */
  from?: FullPosition | undefined;
}

/** Where a full pass stands: the object (by its place in the mapping), its phase, and the last record id done. */
export interface FullPosition {
  object: number;
  phase: 'live' | 'deleted';
  after: string;
}

/**
 * Candidates of one object (in full mode, with the position reached once they are delivered), or
 * the journal position up to which every earlier batch was delivered.
 */
export type Batch = { mapper: ObjectMapper; candidates: Candidate[]; position?: FullPosition } | { toSeq: number };

const FIRST_ID = '00000000-0000-0000-0000-000000000000';

export async function loadCandidates(db: Database, orgId: string, entity: string, ids: string[], changed?: Map<string, Set<string> | null>): Promise<Candidate[]> {
  return (await loadRecordsWithAccount(db, orgId, entity, ids)).map((r) => ({ entity, ...r, changedFields: changed?.get(r.record.id) ?? null }));
}

/** Whether an incremental run has anything to look at (no Salesforce call is made otherwise). */
export async function hasPendingChanges(db: Database, integration: IntegrationRow, entities: string[]): Promise<boolean> {
  return hasJournalAfter(db, integration.org_id, entities, integration.cursor_seq);
}

/**
 * Yields candidates per object in delivery order (parents first), `chunkSize` journal entries (or,
 * in full mode, records) at a time, a parent's children counted with it. In incremental mode a
 * `{ toSeq }` follows the batches of each chunk: the watermark may move there once they are
 * delivered.
 */
export async function* select(db: Database, integration: IntegrationRow, mapping: CompiledMapping, selection: Selection, chunkSize: number): AsyncGenerator<Batch> {
  const orgId = integration.org_id;
  if (selection.recordIds !== undefined) {
    for (const mapper of mapping.objects) yield { mapper, candidates: await loadCandidates(db, orgId, mapper.definition.entity, selection.recordIds) };
    return;
  }
  if (selection.mode === 'full') {
    const from = selection.from;
    for (const [index, mapper] of mapping.objects.entries()) {
      if (from !== undefined && index < from.object) continue;
      const resuming = from !== undefined && index === from.object;
      if (!(resuming && from.phase === 'deleted')) {
        let after = resuming ? from.after : FIRST_ID;
        for (;;) {
          const ids = await liveRecordIdsAfter(db, orgId, mapper.definition.entity, after, chunkSize, mapper.definition.children?.path);
          if (ids.length === 0) break;
          after = ids[ids.length - 1]!;
          yield { mapper, candidates: await loadCandidates(db, orgId, mapper.definition.entity, ids), position: { object: index, phase: 'live', after } };
        }
      }
      if (selection.deletedSince === undefined) continue;
      let after = resuming && from.phase === 'deleted' ? from.after : FIRST_ID;
      for (;;) {
        const ids = await deletedRecordIdsSince(db, orgId, mapper.definition.entity, selection.deletedSince, after, chunkSize);
        if (ids.length === 0) break;
        after = ids[ids.length - 1]!;
        yield { mapper, candidates: await loadCandidates(db, orgId, mapper.definition.entity, ids), position: { object: index, phase: 'deleted', after } };
      }
    }
    return;
  }
  const entities = mapping.objects.map((m) => m.definition.entity);
  // A bill's line items count with it in a batch, as in a full pass.
  const itemsPaths = Object.fromEntries(mapping.objects.flatMap((m) => (m.definition.children === undefined ? [] : [[m.definition.entity, m.definition.children.path]])));
  const ownOrigin = `integration:${integration.id}`;
  let cursor = integration.cursor_seq;
  for (;;) {
    const { entries, full } = await journalAfter(db, orgId, entities, cursor, chunkSize, itemsPaths);
    if (entries.length === 0) return;
    const toSeq = entries[entries.length - 1]!.seq;
    for (const mapper of mapping.objects) {
      // What changed, per record, over every entry of this chunk: a creation or a deletion
      // counts as everything.
      const changed = new Map<string, Set<string> | null>();
      for (const entry of entries) {
        if (entry.entity !== mapper.definition.entity) continue;
        // A change this integration brought from Salesforce goes back to it no more (the
        // watermark still moves past it); other integrations of the organization receive it.
        if (entry.origin === ownOrigin) continue;
        const sofar = changed.get(entry.entityId);
        if (entry.operation !== 'update' || entry.changedFields === null || sofar === null) changed.set(entry.entityId, null);
        else changed.set(entry.entityId, new Set([...(sofar ?? []), ...entry.changedFields]));
      }
      if (changed.size > 0) yield { mapper, candidates: await loadCandidates(db, orgId, mapper.definition.entity, [...changed.keys()], changed) };
    }
    yield { toSeq };
    cursor = toSeq;
    if (!full) return;
  }
}
