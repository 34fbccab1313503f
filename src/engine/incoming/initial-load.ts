// Reading every record of the object from Salesforce into Ferry: the initial load of an
// integration that reads back (and a full resync after reading was off for longer than the org
// keeps what it needs). Small objects come in SOQL pages; above the integration's bulk threshold,
// through a Bulk API 2.0 query job read one result page at a time, so memory holds one page
// whatever the size. Records are applied as every incoming change is (created and linked, linked
// by the match rule, or merged against the base), 200 to a transaction (apply.ts). A run stopped
// midway starts over: records it applied come back as unchanged.
import { applyBatch, type Applying, type SalesforceRow } from './apply.ts';
import { BATCH_SIZE, PAGE_SIZE, writePendingKeys } from './incoming.ts';

/** Rows of a Bulk API query result page. */
export const BULK_PAGE_SIZE = 10_000;

export async function readEverything(a: Applying): Promise<void> {
  const { integration, reading, client } = a;
  // Deleted records are not part of a load (query, not queryAll).
  const fields = a.fields.filter((f) => f !== 'IsDeleted');
  const count = await client.count(`SELECT COUNT() FROM ${reading.object}`, reading.object);
  const page = async (rows: SalesforceRow[]): Promise<void> => {
    for (let i = 0; i < rows.length; i += BATCH_SIZE) await applyBatch(a, rows.slice(i, i + BATCH_SIZE));
    await writePendingKeys(a.deps.db, client, integration, reading.object);
  };
  if (count > integration.delivery.bulkThreshold) {
    await client.bulkQueryPages(`SELECT ${fields.join(', ')} FROM ${reading.object}`, reading.object, BULK_PAGE_SIZE, (rows) => page(rows as SalesforceRow[]));
    return;
  }
  let after = '';
  for (;;) {
    const rows = await client.queryAll<SalesforceRow>(
      `SELECT ${fields.join(', ')} FROM ${reading.object} WHERE IsDeleted = false${after === '' ? '' : ` AND Id > '${after}'`} ORDER BY Id LIMIT ${PAGE_SIZE}`,
      reading.object,
    );
    await page(rows);
    if (rows.length < PAGE_SIZE) return;
    after = rows.at(-1)!.Id;
  }
}
