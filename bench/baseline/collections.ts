// sObject Collections upsert, 200 records a call, one call after the other.
import { OBJECTS, timed } from './common.ts';

await timed(async (conn, data) => {
  for (const [object, key] of OBJECTS) {
    const records = data[key].map((r) => ({ attributes: { type: object }, ...r }));
    for (let i = 0; i < records.length; i += 200) {
      const results = await conn.sobject(object).upsert(records.slice(i, i + 200), 'Ferry_Id__c', { allOrNone: false });
      const failed = (Array.isArray(results) ? results : [results]).filter((r) => !r.success);
      if (failed.length > 0) throw new Error(`${object}: ${JSON.stringify(failed[0])}`);
    }
  }
});
