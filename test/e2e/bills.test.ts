import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

let ferry: TestFerry;
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;

beforeAll(async () => {
  ferry = await startTestFerry();
  credential = await ferry.credential();
  conn = await oauthLogin(ferry.emulator);
});
afterAll(async () => ferry.stop());

// Integrations of one test must not deliver the next test's records.
const created: string[] = [];
afterEach(async () => {
  for (const id of created.splice(0)) {
    await ferry.settle(id);
    await ferry.call('POST', `/api/v1/integrations/${id}/disable`);
  }
});

const sf = async (soql: string) => (await conn.query<any>(soql)).records;

function bill(accountId: string, billNumber: string, extra: Record<string, unknown> = {}) {
  return {
    accountId,
    billNumber,
    billDate: '2026-02-01',
    periodStart: '2026-01-01',
    periodEnd: '2026-01-31',
    dueDate: '2026-03-01',
    currency: 'USD',
    total: '135.00',
    lineItems: [
      { lineItemType: 'STANDING_CHARGE', productCode: 'PLAT', quantity: '1', unitPrice: '100', amount: '100' },
      { lineItemType: 'USAGE', productCode: 'API', quantity: '4000', unitPrice: '0.01', amount: '40' },
      { lineItemType: 'CREDIT_MEMO', description: 'Goodwill', quantity: '1', unitPrice: '-5', amount: '-5' },
    ],
    ...extra,
  };
}

async function integration(body: Record<string, unknown>) {
  const res = await ferry.call('POST', '/api/v1/integrations', { credentialId: credential.id, ...body });
  expect(res.status).toBe(201);
  created.push(res.body.id);
  return res.body;
}

async function account(code: string, extra: Record<string, unknown> = {}) {
  const res = await ferry.call('POST', '/api/v1/accounts', { code, name: `Account ${code}`, ...extra });
  expect(res.status).toBe(201);
  return res.body;
}

async function events(integrationId: string) {
  return (await ferry.call('GET', `/api/v1/events?integrationId=${integrationId}`)).body.data;
}

describe('bill integration', () => {
  it('sends a bill with its line items, consistently, and replaces them when the bill is regenerated', async () => {
    const accounts = await integration({ name: 'Accounts', entityType: 'Account' });
    const bills = await integration({ name: 'Bills', entityType: 'Bill', settings: { excludedLineItemTypes: ['CREDIT_MEMO'] } });
    const acme = await account('BILL-ACME');
    await ferry.settle(accounts.id);
    const created = (await ferry.call('POST', '/api/v1/bills', bill(acme.id, 'INV-1'))).body;
    await ferry.settle(bills.id);
    const [sfAccount] = await sf(`SELECT Id FROM Account WHERE Ferry_Id__c = '${acme.id}'`);
    const [sfBill] = await sf(`SELECT Id, Name, Account__c, Total__c, Status__c, Approved__c FROM Ferry_Bill__c WHERE Ferry_Id__c = '${created.id}'`);
    expect(sfBill).toMatchObject({ Name: 'INV-1', Account__c: sfAccount.Id, Total__c: 135, Status__c: 'PENDING', Approved__c: false });
    const items = await sf(`SELECT Ferry_Id__c, Line_Type__c, Amount__c, Bill__c FROM Ferry_Bill_Line_Item__c WHERE Bill__c = '${sfBill.Id}' ORDER BY Ferry_Id__c`);
    // The credit memo is an excluded line item type: not sent.
    expect(items.map((i: any) => [i.Line_Type__c, i.Amount__c])).toEqual([['STANDING_CHARGE', 100], ['USAGE', 40]]);

    const regen = await ferry.call('PATCH', `/api/v1/bills/${created.id}`, { total: '60.00', lineItems: [{ lineItemType: 'MINIMUM_SPEND', quantity: '1', unitPrice: '60', amount: '60' }] });
    expect(regen.status).toBe(200);
    await ferry.settle(bills.id);
    const after = await sf(`SELECT Line_Type__c, Amount__c FROM Ferry_Bill_Line_Item__c WHERE Bill__c = '${sfBill.Id}'`);
    expect(after).toEqual([expect.objectContaining({ Line_Type__c: 'MINIMUM_SPEND', Amount__c: 60 })]);
    expect((await sf(`SELECT Total__c FROM Ferry_Bill__c WHERE Id = '${sfBill.Id}'`))[0].Total__c).toBe(60);
  });

  it('sends an approved bill once and skips its pending regenerations when only approved bills count', async () => {
    await integration({ name: 'Accounts', entityType: 'Account' });
    const approvedOnly = await integration({ name: 'Approved bills', entityType: 'Bill', settings: { onlyApprovedBills: true } });
    const acct = await account('APPROVE-1');
    const draft = (await ferry.call('POST', '/api/v1/bills', bill(acct.id, 'INV-APPROVE'))).body;
    await ferry.settle(approvedOnly.id);
    expect(await sf(`SELECT Id FROM Ferry_Bill__c WHERE Ferry_Id__c = '${draft.id}'`)).toEqual([]);
    const preview = (await ferry.call('GET', `/api/v1/integrations/${approvedOnly.id}/preview?mode=full`)).body.data;
    expect(preview.find((p: any) => p.id === draft.id)).toMatchObject({ action: 'skip', reason: 'bill not approved (onlyApprovedBills)' });
    await ferry.call('POST', `/api/v1/bills/${draft.id}/approve`);
    await ferry.settle(approvedOnly.id);
    const sent = await sf(`SELECT Id, Status__c, Approved__c FROM Ferry_Bill__c WHERE Ferry_Id__c = '${draft.id}'`);
    expect(sent).toEqual([expect.objectContaining({ Status__c: 'APPROVED', Approved__c: true })]);
    const runs = (await ferry.call('GET', `/api/v1/runs?integrationId=${approvedOnly.id}`)).body.data;
    expect(runs.map((r: any) => r.counts.sent)).toContain(1);
  });

  it('reports a missing account mapping, then delivers once the external mapping exists and the event is retried', async () => {
    const mapped = await integration({ name: 'Mapped bills', entityType: 'Bill', settings: { useExternalMappingAccountCode: true, enforceExternalMappings: true } });
    const acct = await account('MAPPED-1');
    const created = (await ferry.call('POST', '/api/v1/bills', bill(acct.id, 'INV-MAP'))).body;
    await ferry.settle(mapped.id);
    const [missing] = (await events(mapped.id)).filter((e: any) => e.name === 'integration.missing_account_mapping.error');
    expect(missing).toMatchObject({ entity: 'bills', entityId: created.id, hint: expect.stringContaining('POST /api/v1/external-mappings') });
    expect(missing.hint).toContain(`"integrationId":"${mapped.id}"`);

    const sfAccount = await conn.sobject('Account').create({ Name: 'Mapped in Salesforce' });
    // A mapping for another integration does not count when mappings are enforced.
    await ferry.call('POST', '/api/v1/external-mappings', { externalSystem: 'salesforce', externalTable: 'Account', externalId: (sfAccount as any).id, entity: 'accounts', entityId: acct.id, integrationId: '0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69' });
    await ferry.call('POST', `/api/v1/events/${missing.id}/retry`);
    await ferry.settle(mapped.id);
    expect(await sf(`SELECT Id FROM Ferry_Bill__c WHERE Ferry_Id__c = '${created.id}'`)).toEqual([]);

    await ferry.call('POST', '/api/v1/external-mappings', { externalSystem: 'salesforce', externalTable: 'Account', externalId: (sfAccount as any).id, entity: 'accounts', entityId: acct.id, integrationId: mapped.id });
    const retried = await ferry.call('POST', `/api/v1/events/${missing.id}/retry`);
    expect(retried.status).toBe(202);
    await ferry.settle(mapped.id);
    const [sfBill] = await sf(`SELECT Account__c FROM Ferry_Bill__c WHERE Ferry_Id__c = '${created.id}'`);
    expect(sfBill.Account__c).toBe((sfAccount as any).id);
    const actioned = await ferry.call('POST', `/api/v1/events/${missing.id}/action`);
    expect(actioned.body.actionedAt).toEqual(expect.any(String));
  });

  it('routes bills to two integrations by their account filters', async () => {
    const accounts = await integration({ name: 'Accounts', entityType: 'Account' });
    const uk = await integration({ name: 'UK bills', entityType: 'Bill', settings: { accountFilter: 'customFields != null AND customFields.country == "UK"' } });
    const rest = await integration({ name: 'Other bills', entityType: 'Bill', settings: { accountFilter: 'customFields.country != "UK"' } });
    const ukAccount = await account('ROUTE-UK', { customFields: { country: 'UK' } });
    const usAccount = await account('ROUTE-US', { customFields: { country: 'US' } });
    const ukBill = (await ferry.call('POST', '/api/v1/bills', bill(ukAccount.id, 'INV-UK'))).body;
    const usBill = (await ferry.call('POST', '/api/v1/bills', bill(usAccount.id, 'INV-US'))).body;
    // Accounts and bills are created together: a bill that runs before its account reached
    // Salesforce waits, and goes as soon as the account is delivered.
    await ferry.settle(accounts.id);
    await ferry.settle(uk.id);
    await ferry.settle(rest.id);
    await ferry.eventually(async () => {
      const rows = await ferry.db.query("SELECT 1 FROM links WHERE entity = 'bills' AND entity_id = ANY($1::uuid[])", [[ukBill.id, usBill.id]]);
      return rows.length === 2 ? true : undefined;
    });
    await ferry.settle(uk.id);
    await ferry.settle(rest.id);
    const ukRuns = (await ferry.call('GET', `/api/v1/runs?integrationId=${uk.id}`)).body.data;
    const restRuns = (await ferry.call('GET', `/api/v1/runs?integrationId=${rest.id}`)).body.data;
    expect(ukRuns.flatMap((r: any) => r.recordIds)).toContain(ukBill.id);
    expect(ukRuns.reduce((n: number, r: any) => n + r.counts.created + r.counts.updated, 0)).toBe(1);
    expect(restRuns.reduce((n: number, r: any) => n + r.counts.created + r.counts.updated, 0)).toBe(1);
    // Nothing was left for a person: any wait for an account was retried by Ferry itself.
    const open = (await ferry.call('GET', `/api/v1/events?integrationId=${uk.id}`)).body.data.filter((e: any) => e.retriedAt === null && e.actionedAt === null);
    expect(open).toEqual([]);
    const links = await ferry.db.query<{ integration_id: string; entity_id: string }>("SELECT integration_id, entity_id FROM links WHERE entity = 'bills' AND entity_id = ANY($1::uuid[])", [[ukBill.id, usBill.id]]);
    expect(links.map((l) => [l.integration_id, l.entity_id]).sort()).toEqual([[uk.id, ukBill.id], [rest.id, usBill.id]].sort());
  });

  it('serves only the included accounts, never the excluded ones', async () => {
    const a = await account('LIST-A');
    const b = await account('LIST-B');
    const c = await account('LIST-C');
    const only = await integration({ name: 'Only A and B', entityType: 'Account', settings: { includedAccountIds: [a.id, b.id], excludedAccountIds: [b.id] } });
    const unknown = await ferry.call('POST', '/api/v1/integrations', { name: 'Bad list', entityType: 'Account', settings: { excludedAccountIds: ['0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69'] } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details[0].path).toBe('body.settings.excludedAccountIds[0]');
    const full = await ferry.call('POST', `/api/v1/integrations/${only.id}/sync`, { mode: 'full' });
    await ferry.settle(only.id);
    const run = (await ferry.call('GET', `/api/v1/runs/${full.body.id}`)).body;
    const links = await ferry.db.query<{ entity_id: string }>('SELECT entity_id FROM links WHERE integration_id = $1', [only.id]);
    expect(links.map((l) => l.entity_id)).toEqual([a.id]);
    expect(run.counts.skipped).toBeGreaterThanOrEqual(2);
    const preview = (await ferry.call('GET', `/api/v1/integrations/${only.id}/preview?mode=full&limit=1000`)).body.data;
    expect(preview.find((p: any) => p.id === b.id)).toMatchObject({ action: 'skip', reason: 'account in excludedAccountIds' });
    expect(preview.find((p: any) => p.id === c.id)).toMatchObject({ action: 'skip', reason: 'account not in includedAccountIds' });
  });

  it('refuses an invalid account filter at save time, with the position of the error', async () => {
    const res = await ferry.call('POST', '/api/v1/integrations', { name: 'Bad filter', entityType: 'Bill', settings: { accountFilter: 'customFields.country == "UK" AND colour == 1' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'body.settings.accountFilter', message: expect.stringMatching(/unknown account field "colour".*at character 34/) }]);
    const missingName = await ferry.call('POST', '/api/v1/integrations', { entityType: 'Bill' });
    expect(missingName.body.error.details).toEqual([{ path: 'body.name', message: expect.any(String) }]);
  });
});

describe('bill delivery on both write paths, and after a crash', () => {
  const paths = [['collections', 100_000], ['Bulk API 2.0', 1]] as const;

  it.each(paths)('holds back a bill whose line item is too long for Salesforce, naming the field and the limit, and sends the others (%s)', async (_path, bulkThreshold) => {
    const accounts = await integration({ name: 'Accounts', entityType: 'Account' });
    const bills = await integration({ name: 'Bills', entityType: 'Bill', delivery: { bulkThreshold } });
    const acct = await account(`LONG-${bulkThreshold}`);
    await ferry.settle(accounts.id);
    const long = 'Usage: API calls, metered: '.padEnd(300, 'x');
    const good = bill(acct.id, `LONG-OK-${bulkThreshold}`);
    const bad = bill(acct.id, `LONG-BAD-${bulkThreshold}`, { total: '100.00', lineItems: [{ lineItemType: 'USAGE', description: long, quantity: '1', unitPrice: '100', amount: '100' }] });
    const created = (await ferry.call('POST', '/api/v1/bills/bulk', { items: [good, bad] })).body.results.map((r: any) => r.id);
    await ferry.settle(bills.id);
    const [refused] = (await events(bills.id)).filter((e: any) => e.entityId === created[1]);
    // Checked against the org's describe before sending: Salesforce never sees it, nothing is cut.
    expect(refused).toMatchObject({
      name: 'integration.validation.error',
      message: `Not sent: Ferry_Bill_Line_Item__c.Description__c of line ${created[1]}:0: is 300 characters; Description__c holds at most 255: shorten the value in Ferry or widen the field.`,
      salesforceError: null,
    });
    expect(await sf(`SELECT Id FROM Ferry_Bill_Line_Item__c WHERE Ferry_Id__c = '${created[0]}:0'`)).toHaveLength(1);
    expect(await sf(`SELECT Id FROM Ferry_Bill__c WHERE Ferry_Id__c = '${created[1]}'`)).toHaveLength(0);
    expect((await ferry.call('GET', `/api/v1/integrations/${bills.id}`)).body.enabled).toBe(true);
  });

  it.each(paths)('delivers line items Salesforce already holds without Ferry\'s link, as a second integration meets them (%s)', async (_path, bulkThreshold) => {
    const accounts = await integration({ name: 'Accounts', entityType: 'Account' });
    const first = await integration({ name: 'First bills', entityType: 'Bill' });
    const acct = await account(`SECOND-${bulkThreshold}`);
    await ferry.settle(accounts.id);
    const ids = (await ferry.call('POST', '/api/v1/bills/bulk', { items: [bill(acct.id, `SEC-A-${bulkThreshold}`), bill(acct.id, `SEC-B-${bulkThreshold}`)] })).body.results.map((r: any) => r.id);
    await ferry.settle(first.id);
    const second = await integration({ name: 'Second bills', entityType: 'Bill', delivery: { bulkThreshold } });
    const sync = await ferry.call('POST', `/api/v1/integrations/${second.id}/sync`, { mode: 'full' });
    await ferry.settle(second.id);
    // A full sync sends every bill of the organization, including other tests' refused ones: look at these two.
    const run = (await ferry.call('GET', `/api/v1/runs/${sync.body.id}`)).body;
    expect(run.recordIds).toEqual(expect.arrayContaining(ids));
    expect((await events(second.id)).filter((e: any) => ids.includes(e.entityId))).toEqual([]);
    const links = await ferry.db.query<{ entity_id: string; children: Record<string, string> }>('SELECT entity_id, children FROM links WHERE integration_id = $1 AND entity_id = ANY($2::uuid[])', [second.id, ids]);
    expect(links.map((l) => Object.keys(l.children).length)).toEqual([3, 3]);
    for (const id of ids) {
      const items = await sf(`SELECT Ferry_Id__c FROM Ferry_Bill_Line_Item__c WHERE Ferry_Id__c LIKE '${id}:%' ORDER BY Ferry_Id__c`);
      expect(items.map((i: any) => i.Ferry_Id__c)).toEqual([`${id}:0`, `${id}:1`, `${id}:2`]);
    }
  });

  it('deletes a bill from Salesforce even when a crash lost its link', async () => {
    const accounts = await integration({ name: 'Accounts', entityType: 'Account' });
    const bills = await integration({ name: 'Bills', entityType: 'Bill' });
    const acct = await account('LOST-LINK');
    await ferry.settle(accounts.id);
    const created = (await ferry.call('POST', '/api/v1/bills', bill(acct.id, 'LOST-1'))).body;
    await ferry.settle(bills.id);
    expect(await sf(`SELECT Id FROM Ferry_Bill__c WHERE Ferry_Id__c = '${created.id}'`)).toHaveLength(1);
    // Salesforce accepted the bill, then Ferry died before saving the link.
    await ferry.db.query('DELETE FROM links WHERE integration_id = $1 AND entity_id = $2', [bills.id, created.id]);
    expect((await ferry.call('DELETE', `/api/v1/bills/${created.id}`)).status).toBe(200);
    await ferry.settle(bills.id);
    expect(await sf(`SELECT Id FROM Ferry_Bill__c WHERE Ferry_Id__c = '${created.id}'`)).toEqual([]);
    expect(await sf(`SELECT Id FROM Ferry_Bill_Line_Item__c WHERE Ferry_Id__c LIKE '${created.id}:%'`)).toEqual([]);
    const run = await ferry.deliveringRun(bills.id, (r: any) => r.counts.deleted > 0);
    expect(run.counts).toMatchObject({ deleted: 1, failed: 0 });
  });

  it('removes line items an interrupted delivery left in Salesforce when the bill is regenerated', async () => {
    const accounts = await integration({ name: 'Accounts', entityType: 'Account' });
    const bills = await integration({ name: 'Bills', entityType: 'Bill' });
    const acct = await account('INTENT');
    await ferry.settle(accounts.id);
    const created = (await ferry.call('POST', '/api/v1/bills', bill(acct.id, 'INTENT-1'))).body;
    await ferry.settle(bills.id);
    const [sfBill] = await sf(`SELECT Id FROM Ferry_Bill__c WHERE Ferry_Id__c = '${created.id}'`);
    // A regeneration to five items was being delivered when Ferry died: its intent was written,
    // Salesforce took items 3 and 4, and the link still lists the three it knew.
    await ferry.db.query(
      `INSERT INTO delivery_intents (org_id, integration_id, entity, entity_id, child_keys) VALUES ($1, $2, 'bills', $3, $4)`,
      [ferry.orgId, bills.id, created.id, JSON.stringify([0, 1, 2, 3, 4].map((i) => `${created.id}:${i}`))],
    );
    for (const i of [3, 4]) await conn.sobject('Ferry_Bill_Line_Item__c').create({ Name: `extra ${i}`, Bill__c: sfBill.Id, Ferry_Id__c: `${created.id}:${i}`, Line_Type__c: 'USAGE', Amount__c: 1 });
    // Then the bill is regenerated with two items.
    const regen = await ferry.call('PATCH', `/api/v1/bills/${created.id}`, { total: '140.00', lineItems: [{ lineItemType: 'STANDING_CHARGE', quantity: '1', unitPrice: '100', amount: '100' }, { lineItemType: 'USAGE', quantity: '4000', unitPrice: '0.01', amount: '40' }] });
    expect(regen.status).toBe(200);
    await ferry.settle(bills.id);
    const items = await sf(`SELECT Ferry_Id__c FROM Ferry_Bill_Line_Item__c WHERE Bill__c = '${sfBill.Id}' ORDER BY Ferry_Id__c`);
    expect(items.map((i: any) => i.Ferry_Id__c)).toEqual([`${created.id}:0`, `${created.id}:1`]);
    expect(await ferry.db.query('SELECT 1 FROM delivery_intents WHERE entity_id = $1', [created.id])).toEqual([]);
  });

  it('recreates a line item the link knows but Salesforce no longer has (deleted before a crash lost the link update)', async () => {
    const accounts = await integration({ name: 'Accounts', entityType: 'Account' });
    const bills = await integration({ name: 'Bills', entityType: 'Bill' });
    const acct = await account('KNOWN-GONE');
    await ferry.settle(accounts.id);
    const created = (await ferry.call('POST', '/api/v1/bills', bill(acct.id, 'KNOWN-GONE-1'))).body;
    await ferry.settle(bills.id);
    // A shrinking regeneration deleted item 2 in Salesforce, then Ferry died before saving the
    // link, which still lists it; the bill is then regenerated back to three items.
    const [gone] = await sf(`SELECT Id FROM Ferry_Bill_Line_Item__c WHERE Ferry_Id__c = '${created.id}:2'`);
    await conn.sobject('Ferry_Bill_Line_Item__c').destroy(gone.Id);
    const regen = await ferry.call('PATCH', `/api/v1/bills/${created.id}`, { total: '136.00', lineItems: [
      { lineItemType: 'STANDING_CHARGE', productCode: 'PLAT', quantity: '1', unitPrice: '100', amount: '100' },
      { lineItemType: 'USAGE', productCode: 'API', quantity: '4100', unitPrice: '0.01', amount: '41' },
      { lineItemType: 'CREDIT_MEMO', description: 'Goodwill', quantity: '1', unitPrice: '-5', amount: '-5' },
    ] });
    expect(regen.status).toBe(200);
    await ferry.settle(bills.id);
    expect((await events(bills.id)).filter((e: any) => e.entityId === created.id)).toEqual([]);
    const items = await sf(`SELECT Ferry_Id__c, Amount__c FROM Ferry_Bill_Line_Item__c WHERE Ferry_Id__c LIKE '${created.id}:%' ORDER BY Ferry_Id__c`);
    expect(items.map((i: any) => [i.Ferry_Id__c, i.Amount__c])).toEqual([[`${created.id}:0`, 100], [`${created.id}:1`, 41], [`${created.id}:2`, -5]]);
  });

  it.each(paths)('deletes line items that interrupted deliveries deleted and created again under new ids, when the bill shrinks (%s)', async (path, bulkThreshold) => {
    const accounts = await integration({ name: 'Accounts', entityType: 'Account' });
    const bills = await integration({ name: 'Bills', entityType: 'Bill', delivery: { bulkThreshold } });
    const acct = await account(`RECREATED-${bulkThreshold}`);
    await ferry.settle(accounts.id);
    const created = (await ferry.call('POST', '/api/v1/bills', bill(acct.id, `RECREATED-${bulkThreshold}`))).body;
    await ferry.settle(bills.id);
    const lines = (amounts: number[]) => amounts.map((amount) => ({ lineItemType: 'USAGE', quantity: '1', unitPrice: String(amount), amount: String(amount) }));
    const regenerate = async (amounts: number[]) => {
      const res = await ferry.call('PATCH', `/api/v1/bills/${created.id}`, { total: `${amounts.reduce((a, b) => a + b, 0)}.00`, lineItems: lines(amounts) });
      expect(res.status).toBe(200);
      await ferry.settle(bills.id);
    };
    const items = async () => (await sf(`SELECT Id, Ferry_Id__c FROM Ferry_Bill_Line_Item__c WHERE Ferry_Id__c LIKE '${created.id}:%' ORDER BY Ferry_Id__c`)).map((i: any) => [i.Ferry_Id__c, i.Id]);
    const linked = async () => (await ferry.db.query<{ children: Record<string, string> }>('SELECT children FROM links WHERE integration_id = $1 AND entity_id = $2', [bills.id, created.id]))[0]!.children;
    const known = await linked();
    expect(Object.keys(known)).toHaveLength(3);

    // Each run of this bill now dies after its Salesforce calls, before the transaction that
    // records them (links and the settled intent), as a kill there would.
    const trigger = `crash_before_recording_${path === 'collections' ? 'c' : 'b'}`;
    await ferry.db.exec(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'killed before the links were saved'; END $$;
      CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON links FOR EACH ROW WHEN (NEW.entity_id = '${created.id}') EXECUTE FUNCTION ${trigger}();`);
    // Regenerated with one item: items 1 and 2 are deleted in Salesforce, the link still names them.
    await regenerate([7]);
    expect((await items()).map(([key]) => key)).toEqual([`${created.id}:0`]);
    // Regenerated with three again: the link's items 1 and 2 are not in Salesforce, so they are
    // created again, under new ids the link does not learn either.
    await regenerate([7, 8, 9]);
    const recreated = await items();
    expect(recreated.map(([key]) => key)).toEqual([0, 1, 2].map((i) => `${created.id}:${i}`));
    expect(recreated[1]![1]).not.toBe(known[`${created.id}:1`]);
    expect(recreated[2]![1]).not.toBe(known[`${created.id}:2`]);
    expect(await linked()).toEqual(known);
    await ferry.db.exec(`DROP TRIGGER ${trigger} ON links; DROP FUNCTION ${trigger}();`);

    // Regenerated with one item, and this time recorded: items 1 and 2 go, whatever their ids.
    await regenerate([6]);
    expect((await items()).map(([key]) => key)).toEqual([`${created.id}:0`]);
    expect(Object.keys(await linked())).toEqual([`${created.id}:0`]);
    expect(await ferry.db.query('SELECT 1 FROM delivery_intents WHERE entity_id = $1', [created.id])).toEqual([]);
  });

  it.each(paths)('regenerates a bill with more, then fewer line items, and clears a description (%s)', async (_path, bulkThreshold) => {
    const accounts = await integration({ name: 'Accounts', entityType: 'Account' });
    const bills = await integration({ name: 'Bills', entityType: 'Bill', delivery: { bulkThreshold } });
    const acct = await account(`GROW-${bulkThreshold}`);
    await ferry.settle(accounts.id);
    const ids = (await ferry.call('POST', '/api/v1/bills/bulk', { items: [bill(acct.id, `GROW-A-${bulkThreshold}`), bill(acct.id, `GROW-B-${bulkThreshold}`)] })).body.results.map((r: any) => r.id);
    await ferry.settle(bills.id);
    const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ lineItemType: 'USAGE', quantity: '1', unitPrice: String(i + 1), amount: String(i + 1), ...(i === 2 && n < 5 ? {} : { description: `line ${i}` }) }));
    const total = (n: number) => `${(n * (n + 1)) / 2}.00`;
    for (const n of [5, 3]) {
      const items = ids.map((id: string, k: number) => ({ ...bill(acct.id, `GROW-${k === 0 ? 'A' : 'B'}-${bulkThreshold}`), id, total: total(n), lineItems: lines(n) }));
      expect((await ferry.call('POST', '/api/v1/bills/bulk', { items: items.map(({ id: _id, ...rest }: any) => rest) })).body.summary.failed).toBe(0);
      await ferry.settle(bills.id);
      for (const id of ids) {
        const sent = await sf(`SELECT Ferry_Id__c, Amount__c, Description__c FROM Ferry_Bill_Line_Item__c WHERE Ferry_Id__c LIKE '${id}:%' ORDER BY Ferry_Id__c`);
        expect(sent.map((i: any) => [i.Ferry_Id__c, i.Amount__c, i.Description__c])).toEqual(lines(n).map((l, i) => [`${id}:${i}`, i + 1, l.description ?? null]));
      }
    }
    expect((await events(bills.id)).filter((e: any) => ids.includes(e.entityId))).toEqual([]);
  });
});
