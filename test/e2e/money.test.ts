// Money reaches Salesforce exactly as Ferry holds it: a decimal string on the wire, never a
// JavaScript number (exact to about 15 significant digits). Checked on the request bodies the
// emulated org receives, on both write paths.
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestInfo } from '../../src/emulator/index.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

let ferry: TestFerry;
let credential: any;
const bodies: string[] = [];

beforeAll(async () => {
  ferry = await startTestFerry({ emulator: { onRequest: (info: RequestInfo) => bodies.push(info.body.toString('utf8')) } });
  credential = await ferry.credential();
});
afterAll(async () => ferry.stop());

// The largest amount Ferry takes (14 integer digits, for the 18,4 amount fields); the nearest double prints as 99999999999999.98.
const LARGE = '99999999999999.99';
const FINE_QUANTITY = '0.123456789012';
const FINE_PRICE = '1234567.891234567891';

describe('money on the wire', () => {
  it.each([['collections', 100_000], ['Bulk API 2.0', 1]] as const)('sends large and many-decimal amounts exactly (%s)', async (_path, bulkThreshold) => {
    const accounts = (await ferry.call('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id })).body;
    const bills = (await ferry.call('POST', '/api/v1/integrations', { name: 'Bills', entityType: 'Bill', credentialId: credential.id, delivery: { bulkThreshold } })).body;
    const account = (await ferry.call('POST', '/api/v1/accounts', { code: `MONEY-${bulkThreshold}`, name: 'Money', currency: 'USD' })).body;
    await ferry.settle(accounts.id);
    const amount = new Decimal(FINE_QUANTITY).times(FINE_PRICE).toFixed(2); // quantity × unit price, to the cent
    const base = { accountId: account.id, billDate: '2026-02-01', periodStart: '2026-01-01', periodEnd: '2026-01-31', dueDate: '2026-03-01', currency: 'USD' };
    const items = [
      { ...base, billNumber: `BIG-${bulkThreshold}`, total: LARGE, lineItems: [{ lineItemType: 'STANDING_CHARGE', quantity: '1', unitPrice: LARGE, amount: LARGE }] },
      { ...base, billNumber: `FINE-${bulkThreshold}`, total: amount, lineItems: [{ lineItemType: 'USAGE', quantity: FINE_QUANTITY, unitPrice: FINE_PRICE, amount }] },
    ];
    const created = await ferry.call('POST', '/api/v1/bills/bulk', { items });
    expect(created.body.summary.created).toBe(2);
    bodies.length = 0;
    await ferry.settle(bills.id);
    const sent = bodies.join('\n');
    if (bulkThreshold === 1) {
      // CSV: the value as text in its column.
      expect(sent).toMatch(new RegExp(`(^|,)"?${LARGE.replace('.', '\\.')}"?(,|$)`, 'm'));
      expect(sent).toMatch(new RegExp(`(^|,)"?${FINE_QUANTITY.replace('.', '\\.')}"?(,|$)`, 'm'));
    } else {
      expect(sent).toContain(`"Total__c":"${LARGE}"`);
      expect(sent).toContain(`"Unit_Price__c":"${LARGE}"`);
      expect(sent).toContain(`"Quantity__c":"${FINE_QUANTITY}"`);
      expect(sent).toContain(`"Unit_Price__c":"${FINE_PRICE}"`);
    }
    // What a JavaScript number would have sent instead.
    expect(sent).not.toContain(String(Number(LARGE)));
    await ferry.call('POST', `/api/v1/integrations/${bills.id}/disable`);
    await ferry.call('POST', `/api/v1/integrations/${accounts.id}/disable`);
  });
});
