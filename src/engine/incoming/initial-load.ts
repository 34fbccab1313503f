// Reading every record of the object from Salesforce into Ferry: the initial load of an
// integration that reads back (and a full resync after reading was off for longer than the org
// keeps what it needs). Small objects come in SOQL pages; above the integration's bulk threshold,
// through a Bulk API 2.0 query job read one result page at a time, so memory holds one page
// whatever the size. Records are applied as every incoming change is (created and linked, linked
// by the match rule, or merged against the base), 200 to a transaction (apply.ts). The read's
// position is kept after each page (the Bulk API job and the next page's locator, or the last Id
// read): a run that continues one stopped midway (its worker killed) goes on from there. Then the links the read did not
// meet are settled: their Salesforce record was deleted (or emptied from the recycle bin, which
// polling after a long pause cannot see).
import { applyBatch, logEntry, writeSyncLog, type Applying, type SalesforceRow, type SyncLogEntry } from './apply.ts';
import { BATCH_SIZE, PAGE_SIZE, readByIds, RECYCLE_BIN_DAYS, writePendingKeys } from './incoming.ts';

/** Rows of a Bulk API query result page. */
export const BULK_PAGE_SIZE = 10_000;

/** Where a read of everything stands: when it began, and the page it reached. */
export interface LoadPosition {
  started: string;
  bulk?: { jobId: string; locator: string | null } | undefined;
  after?: string | undefined;
}

/** Thrown after a page when the process is stopping: the read ends there, to be continued elsewhere. */
class ReadPaused extends Error {}

export async function readEverything(a: Applying, resume?: { from?: LoadPosition | undefined; save: (position: LoadPosition) => Promise<void>; pageSize?: number | undefined; shouldStop?: (() => boolean) | undefined }): Promise<void> {
  const { integration, reading, client } = a;
  // Deleted records are not part of a load (query, not queryAll).
  const fields = a.fields.filter((f) => f !== 'IsDeleted');
  // Links written from here on were met by this read (links.read_at); a continued read keeps the
  // time the first began.
  const started = resume?.from?.started ?? ((await a.deps.db.query<{ started: string }>('SELECT clock_timestamp()::text AS started')) as [{ started: string }])[0].started;
  const count = await client.count(`SELECT COUNT() FROM ${reading.object}`, reading.object);
  const page = async (rows: SalesforceRow[]): Promise<void> => {
    for (let i = 0; i < rows.length; i += BATCH_SIZE) await applyBatch(a, rows.slice(i, i + BATCH_SIZE));
    await writePendingKeys(a.deps.db, client, integration, reading.object);
  };
  if (count > integration.delivery.bulkThreshold || resume?.from?.bulk !== undefined) {
    try {
      await client.bulkQueryPages(`SELECT ${fields.join(', ')} FROM ${reading.object}`, reading.object, resume?.pageSize ?? BULK_PAGE_SIZE, (rows) => page(rows as SalesforceRow[]), {
        resume: resume?.from?.bulk,
        afterPage: async (reached) => {
          await resume?.save({ started, bulk: reached });
          // Stopping (SIGTERM): the rest of the job is read by the run that continues this one.
          if (reached.locator !== null && resume?.shouldStop?.() === true) throw new ReadPaused();
        },
      });
    } catch (error) {
      if (!(error instanceof ReadPaused)) throw error;
      a.state.continues = true;
      return;
    }
    await settleUnmet(a, started);
    return;
  }
  let after = resume?.from?.after ?? '';
  for (;;) {
    const rows = await client.queryAll<SalesforceRow>(
      `SELECT ${fields.join(', ')} FROM ${reading.object} WHERE IsDeleted = false${after === '' ? '' : ` AND Id > '${after}'`} ORDER BY Id LIMIT ${PAGE_SIZE}`,
      reading.object,
    );
    await page(rows);
    if (rows.length < PAGE_SIZE) break;
    after = rows.at(-1)!.Id;
    await resume?.save({ started, after });
    if (resume?.shouldStop?.() === true) {
      a.state.continues = true;
      return;
    }
  }
  await settleUnmet(a, started);
}

/**
 * The integration's links this read did not meet, 200 at a time: each Salesforce record is asked
 * for by Id (queryAll). One in the recycle bin is a delete, applied as sync.salesforceDeletes
 * says. One Salesforce no longer returns at all was emptied from the bin, or Ferry's user cannot
 * see it: Ferry cannot tell which, so it deletes nothing and says so (flagged, unless deletes are
 * ignored). One still there was met by the read (a record it refused, or changed meanwhile).
 */
async function settleUnmet(a: Applying, since: string): Promise<void> {
  const { integration, reading, state } = a;
  const { db } = a.deps;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const unmet = await db.query<{ entity_id: string; salesforce_id: string }>(
      `SELECT entity_id, salesforce_id FROM links WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND (read_at IS NULL OR read_at < $4::timestamptz) AND entity_id > $5
       ORDER BY entity_id LIMIT ${BATCH_SIZE}`,
      [integration.org_id, integration.id, reading.entity, since, after],
    );
    if (unmet.length === 0) return;
    after = unmet.at(-1)!.entity_id;
    const rows = await readByIds(a, unmet.map((l) => l.salesforce_id));
    const found = new Map(rows.map((r) => [r.Id.slice(0, 15), r]));
    await applyBatch(a, rows.filter((r) => r.IsDeleted === true));
    const gone: SyncLogEntry[] = [];
    for (const link of unmet) {
      if (found.has(link.salesforce_id.slice(0, 15))) continue;
      const flag = a.sync.salesforceDeletes !== 'ignore';
      state.skip(link.entity_id, 'not found in Salesforce');
      gone.push(logEntry(a, { Id: link.salesforce_id }, 'ignored', link.entity_id, [], `not found in Salesforce (deleted and emptied from its recycle bin, which keeps deletes ${RECYCLE_BIN_DAYS} days, or not visible to Ferry's user): Ferry keeps its record${flag ? ' and flagged it (event integration.deleted_in_salesforce.warning)' : ' (salesforceDeletes is ignore)'}`));
      if (flag) {
        state.events.push({
          integrationId: integration.id, runId: a.runId, name: 'integration.deleted_in_salesforce.warning', entity: reading.entity, entityId: link.entity_id, salesforceId: link.salesforce_id,
          message: `The Salesforce ${reading.object} ${link.salesforce_id} linked to this record is not in Salesforce any more: deleted and emptied from its recycle bin, or not visible to Ferry's user. Ferry kept its record.`,
          hint: 'Delete the Ferry record too if it should go (or give Ferry\'s user access to the Salesforce record); then mark this event as actioned.',
        });
      }
    }
    await writeSyncLog(db, integration.org_id, gone);
  }
}
