import { describe, expect, it } from 'vitest';
import { expectAccessible, newPage, screenshot, signIn, useConsole } from '../browser.ts';

const app = useConsole();

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('the overview', () => {
  it('charts the runs, records, API usage and latency of real runs, with the figures in text too', async () => {
    const credential = await app.ferry.credential();
    const accounts = (await app.ferry.call('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id })).body;
    await app.ferry.call('POST', '/api/v1/integrations', { name: 'Contacts, not connected', entityType: 'Contact' });
    const bills = (await app.ferry.call('POST', '/api/v1/integrations', { name: 'Bills', entityType: 'Bill', credentialId: credential.id })).body;
    const created = await app.ferry.call('POST', '/api/v1/accounts/bulk', { items: ['OV-A', 'OV-B', 'OV-C'].map((code) => ({ code, name: `Overview ${code}` })) });
    expect(created.status).toBe(200);
    await app.ferry.settle(accounts.id);
    // A line too long for Salesforce's field: one refused record and one open error event.
    const account = created.body.results[0].id;
    await app.ferry.call('POST', '/api/v1/bills', {
      accountId: account, billNumber: 'OV-LONG', billDate: '2026-02-01', periodStart: '2026-01-01', periodEnd: '2026-01-31', dueDate: '2026-03-01', currency: 'USD', total: '1.00',
      lineItems: [{ lineItemType: 'USAGE', description: 'x'.repeat(300), quantity: '1', unitPrice: '1', amount: '1' }],
    });
    await app.ferry.settle(bills.id);
    const overview = (await app.ferry.call('GET', '/api/v1/overview?hours=24')).body;
    const buckets = overview.buckets as any[];
    const runs = sum(buckets.map((b) => b.runs.complete + b.runs.failed + b.runs.retrying + b.runs.inProgress));
    const sent = sum(buckets.map((b) => b.records.sent));
    const calls = sum(buckets.map((b) => b.apiCalls));
    const changes = sum(buckets.map((b) => b.latency.changes));
    expect(sent).toBe(3);
    expect(changes).toBe(3);
    expect(calls).toBeGreaterThan(0);

    const page = await newPage(app.browser);
    await signIn(page, app.ferry.url, app.ferry.apiKey);
    await page.goto(`${app.ferry.url}/`);
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    await expect.poll(() => page.locator('[data-tile="Integrations connected"]').textContent()).toBe('2 / 3');
    expect(await page.locator('[data-tile="Open error events"]').textContent()).toBe('1');
    expect(await page.locator('[data-tile="Held conflicts"]').textContent()).toBe('0');

    const figure = (name: string) => page.getByRole('figure', { name });
    await figure('Runs per hour').waitFor();
    // Drawn: the bar charts have bars, the lines have points.
    await expect.poll(() => figure('Runs per hour').locator('.recharts-bar-rectangle path, .recharts-rectangle').count()).toBeGreaterThan(0);
    await expect.poll(() => figure('Records delivered per hour').locator('.recharts-bar-rectangle path, .recharts-rectangle').count()).toBeGreaterThan(0);
    await expect.poll(() => figure('Salesforce API usage').locator('.recharts-rectangle').count()).toBeGreaterThan(0);
    await expect.poll(() => figure('Change-to-Salesforce latency').locator('.recharts-line-dot, .recharts-dot').count()).toBeGreaterThan(0);

    // The text alternatives carry the same figures.
    expect(await figure('Runs per hour').textContent()).toContain(`${runs} runs:`);
    expect(await figure('Records delivered per hour').textContent()).toContain(`${sent} records delivered, 1 refused.`);
    expect(await figure('Salesforce API usage').textContent()).toContain(`${calls} calls by Ferry`);
    expect(await figure('Salesforce API usage').textContent()).toContain(`budget ${overview.apiBudget.toLocaleString('en-US')}`);
    expect(await figure('Change-to-Salesforce latency').textContent()).toContain(`${changes} changes delivered`);
    // The hidden tables hold every hour's figures, in order, as the API computed them.
    const cells = (name: string) => figure(name).locator('tbody tr').evaluateAll((rows: any[]) => rows.map((row) => [...row.cells].map((cell: any) => String(cell.textContent))));
    const records = await cells('Records delivered per hour');
    expect(records.map((row) => [Number(row[1]), Number(row[2])])).toEqual(buckets.map((b) => [b.records.sent, b.records.failed]));
    const latency = await cells('Change-to-Salesforce latency');
    expect(latency.map((row) => [Number(row[1]), row[4]])).toEqual(buckets.map((b) => [b.latency.changes, b.latency.maxMs === null ? '—' : String(b.latency.maxMs)]));
    const api = await cells('Salesforce API usage');
    expect(api.map((row) => Number(row[1]))).toEqual(buckets.map((b) => b.apiCalls));

    await expectAccessible(page, 'overview');
    await screenshot(page, 'overview');
    expect(page.consoleErrors).toEqual([]);
  });
});
