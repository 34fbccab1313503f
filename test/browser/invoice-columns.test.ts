// The invoice list columns in the console: the editor on the Credentials page reads the org's
// columns, adds, renames, moves (by keyboard too) and removes them, and saves them into the org's
// Ferry_Invoice_Column__c custom setting, checked by SOQL in the emulated org; a refused save
// shows the API's error beside its row.
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, newPage, screenshot, signIn, useConsole } from '../browser.ts';
import { oauthLogin } from '../emulator/support.ts';

const app = useConsole();

let page: Page & { consoleErrors: string[] };
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;

/** What the org holds, in the order the invoice list shows it. */
const held = async () =>
  (await conn.query<any>('SELECT Field__c, Label__c, Position__c FROM Ferry_Invoice_Column__c ORDER BY Position__c')).records.map((r) => [r.Field__c, r.Label__c, r.Position__c]);

/** Console errors other than the browser's own note of a refusal the test provoked on purpose. */
function unexpected(errors: string[], statuses: number[]): string[] {
  return errors.filter((error) => !statuses.some((status) => error.includes(`status of ${status}`)));
}

/** Picks a Ferry_Bill__c field for a column by typing part of its name. */
async function pickField(dialog: Locator, column: number, search: string, option: string): Promise<void> {
  const select = dialog.getByRole('combobox', { name: `Field of column ${column}` });
  await select.click();
  await select.fill(search);
  await page.getByRole('option', { name: option, exact: true }).click();
}

const labelOf = (dialog: Locator, column: number) => dialog.getByRole('textbox', { name: `Label of column ${column}` });
const fieldOf = (dialog: Locator, column: number) => dialog.getByRole('combobox', { name: `Field of column ${column}` });

beforeAll(async () => {
  credential = await app.ferry.credential();
  conn = await oauthLogin(app.ferry.emulator);
  page = await newPage(app.browser);
  await signIn(page, app.ferry.url, app.ferry.apiKey);
});

describe('invoice columns', () => {
  it('adds two columns, renames one, moves one up, saves them in order into the org, then shows a refused save beside its row', async () => {
    const fields = (await app.ferry.call('GET', `/api/v1/credentials/${credential.id}/invoice-columns`)).body.fields as { name: string; label: string }[];
    const total = fields.find((f) => f.name === 'Total__c')!;
    const number = fields.find((f) => f.name === 'Bill_Number__c')!;
    expect(total).toBeDefined();
    expect(number).toBeDefined();

    await page.goto(`${app.ferry.url}/credentials`);
    await page.getByRole('button', { name: 'Invoice columns of Emulated org' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invoice columns in the org of "Emulated org"' });
    // None yet: the component shows its defaults, and the editor says so.
    await dialog.getByText('No columns: the invoice list shows its default columns', { exact: false }).waitFor();
    expect(await dialog.textContent()).toContain('Changes show on every Account page at its next load');
    await expectAccessible(page, 'invoice columns editor, empty');
    await screenshot(page, 'invoice-columns-empty');

    // Two columns, each label taken from its field until renamed.
    await dialog.getByRole('button', { name: 'Add column' }).click();
    await pickField(dialog, 1, 'Total', `${total.label} (Total__c)`);
    expect(await labelOf(dialog, 1).inputValue()).toBe(total.label);
    await dialog.getByRole('button', { name: 'Add column' }).click();
    await pickField(dialog, 2, 'Bill_Number', `${number.label} (Bill_Number__c)`);
    await labelOf(dialog, 2).fill('Invoice #');
    // Moved up by the keyboard: the focus stays with the moved column (now first, its Down button).
    await dialog.getByRole('button', { name: 'Move column 2 up' }).focus();
    await page.keyboard.press('Enter');
    expect(await fieldOf(dialog, 1).inputValue()).toBe(`${number.label} (Bill_Number__c)`);
    expect(await labelOf(dialog, 1).inputValue()).toBe('Invoice #');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('aria-label'))).toBe('Move column 1 down');
    await expectAccessible(page, 'invoice columns editor, two columns');
    await screenshot(page, 'invoice-columns');
    await dialog.getByRole('button', { name: 'Save columns' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Columns saved' }).waitFor();
    expect(await held()).toEqual([
      ['Bill_Number__c', 'Invoice #', 1],
      ['Total__c', total.label, 2],
    ]);
    expect((await app.ferry.call('GET', `/api/v1/credentials/${credential.id}/invoice-columns`)).body.columns).toEqual([
      { field: 'Bill_Number__c', label: 'Invoice #' },
      { field: 'Total__c', label: total.label },
    ]);

    // The same field twice: refused, the API's error beside the second row, and nothing changed in the org.
    await dialog.getByRole('button', { name: 'Add column' }).click();
    await pickField(dialog, 3, 'Total', `${total.label} (Total__c)`);
    await labelOf(dialog, 3).fill('Again');
    await dialog.getByRole('button', { name: 'Save columns' }).click();
    await expect.poll(() => fieldOf(dialog, 3).getAttribute('aria-invalid')).toBe('true');
    const refused = await app.ferry.call('PUT', `/api/v1/credentials/${credential.id}/invoice-columns`, {
      columns: [{ field: 'Bill_Number__c', label: 'Invoice #' }, { field: 'Total__c', label: total.label }, { field: 'Total__c', label: 'Again' }],
    });
    expect(refused.body.error.details).toEqual([{ path: 'body.columns[2].field', message: 'Total__c is already a column: each field once' }]);
    const row = dialog.getByRole('table', { name: 'Invoice columns' }).getByRole('row').nth(3);
    expect(await row.textContent()).toContain('Total__c is already a column: each field once');
    expect(await fieldOf(dialog, 1).getAttribute('aria-invalid')).not.toBe('true');
    expect(await held()).toEqual([
      ['Bill_Number__c', 'Invoice #', 1],
      ['Total__c', total.label, 2],
    ]);
    // The error moves with its row.
    await dialog.getByRole('button', { name: 'Move column 3 up' }).click();
    expect(await fieldOf(dialog, 2).getAttribute('aria-invalid')).toBe('true');
    expect(await fieldOf(dialog, 3).getAttribute('aria-invalid')).not.toBe('true');
    await expectAccessible(page, 'invoice columns editor, refused');
    await screenshot(page, 'invoice-columns-refused');

    // Removed, saved: the org is back to one column, then none (the component's defaults).
    await dialog.getByRole('button', { name: 'Remove column 2' }).click();
    await dialog.getByRole('button', { name: 'Remove column 2' }).click();
    await dialog.getByRole('button', { name: 'Save columns' }).click();
    await expect.poll(held).toEqual([['Bill_Number__c', 'Invoice #', 1]]);
    await dialog.getByRole('button', { name: 'Remove column 1' }).click();
    await dialog.getByRole('button', { name: 'Save columns' }).click();
    await expect.poll(held).toEqual([]);
    await dialog.getByRole('status').filter({ hasText: 'the invoice list shows its default columns' }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).last().click();
    await dialog.waitFor({ state: 'hidden' });
    expect(unexpected(page.consoleErrors, [400])).toEqual([]);
  });
});
