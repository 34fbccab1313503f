import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/db.ts';
import { createOrganization, entityByName, RecordStore } from '../platform/index.ts';
import type { Database } from '../storage/index.ts';
import { importFile } from './import-file.ts';

let db: Database;
let store: RecordStore;
let orgId: string;
const dir = mkdtempSync(join(tmpdir(), 'ferry-import-'));

beforeAll(async () => {
  db = await openTestDatabase();
  store = new RecordStore(db);
  orgId = (await createOrganization(db, 'Import org')).organization.id;
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('importing a CSV file', () => {
  it('reports an unknown column once, on the header line, and imports nothing', async () => {
    const file = join(dir, 'accounts.csv');
    writeFileSync(file, ['code,name,colour,address.town', 'A-1,One,red,Leeds', 'A-2,Two,blue,York', 'A-3,Three,,'].join('\n'));
    const summary = await importFile({ store, orgId, definition: entityByName('accounts')!, file, format: 'csv' });
    expect(summary.errors).toEqual([{ line: 1, code: 'unknown_column', message: expect.stringContaining('unknown columns "colour", "address.town"'), details: [] }]);
    expect(summary.errors[0]!.message).toContain('nothing was imported');
    expect(summary).toMatchObject({ rows: 0, created: 0, failed: 1 });
    expect((await store.list(orgId, 'accounts', { limit: 10 })).records).toEqual([]);
  });

  it('accepts nested, indexed and custom field columns', async () => {
    const file = join(dir, 'nested.csv');
    writeFileSync(file, ['code,name,address.line1,address.country,customFields.tier', 'N-1,Nested,1 High St,GB,2'].join('\n'));
    const summary = await importFile({ store, orgId, definition: entityByName('accounts')!, file, format: 'csv' });
    expect(summary).toMatchObject({ rows: 1, created: 1, failed: 0, errors: [] });
  });
});
