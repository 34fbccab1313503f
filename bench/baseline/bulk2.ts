// Bulk API 2.0 through jsforce's loadAndWaitForResults, one job per object, its defaults.
import { OBJECTS, timed } from './common.ts';

await timed(async (conn, data) => {
  for (const [object, key] of OBJECTS) {
    const rows = data[key].map((record) => Object.fromEntries(Object.entries(record).flatMap(([k, v]) =>
      v !== null && typeof v === 'object' ? Object.entries(v as Record<string, unknown>).map(([inner, x]) => [`${k}.${inner}`, x]) : [[k, v ?? '']])));
    const results = await conn.bulk2.loadAndWaitForResults({ object, operation: 'upsert', externalIdFieldName: 'Ferry_Id__c', input: rows });
    if (results.failedResults.length > 0 || results.unprocessedRecords.length > 0) throw new Error(`${object}: ${JSON.stringify(results.failedResults[0] ?? results.unprocessedRecords[0])}`);
  }
});
