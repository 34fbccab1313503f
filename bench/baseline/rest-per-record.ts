// One REST upsert per record, ten at a time (jsforce's default limit of parallel requests).
import { OBJECTS, timed } from './common.ts';

await timed(async (conn, data) => {
  for (const [object, key] of OBJECTS) {
    const records = data[key];
    for (let i = 0; i < records.length; i += 10) {
      await Promise.all(records.slice(i, i + 10).map(async (record) => {
        const result = await conn.sobject(object).upsert(record, 'Ferry_Id__c');
        if (!result.success) throw new Error(`${object}: ${JSON.stringify(result)}`);
      }));
    }
  }
});
