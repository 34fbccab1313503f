import { z } from 'zod';
import type { Issue } from '../platform/index.ts';
import type { SalesforceClient } from '../salesforce/index.ts';

/**
 * The columns of the invoice list on the Salesforce Account page (salesforce/: ferryInvoiceList).
 * The component reads them from the Ferry_Invoice_Column__c custom setting on every page load, so
 * the org itself holds them: Ferry reads and writes them there, and keeps no copy.
 */
export const INVOICE_COLUMN_OBJECT = 'Ferry_Invoice_Column__c';
const BILL_OBJECT = 'Ferry_Bill__c';
/** Most columns a list shows. */
const MAX_COLUMNS = 20;

export const invoiceColumn = z.strictObject({
  field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'must be a Ferry_Bill__c field API name such as "Total__c"'),
  label: z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
});

export const invoiceColumnsInput = z.strictObject({
  columns: z.array(invoiceColumn).max(MAX_COLUMNS, `at most ${MAX_COLUMNS} columns`)
    .meta({ description: 'In the order shown. Empty: the component shows its default columns (bill number, dates, status, total, currency).' }),
});

export const invoiceColumnsView = z.strictObject({
  organizationId: z.string().meta({ description: 'The Salesforce org the columns are in.' }),
  columns: z.array(invoiceColumn),
  /** The Ferry_Bill__c fields a column may show: every field of the object in the org, mapped ones included. */
  fields: z.array(z.strictObject({ name: z.string(), label: z.string(), type: z.string() })),
}).meta({ id: 'InvoiceColumns' });

export type InvoiceColumns = z.infer<typeof invoiceColumnsView>;

async function billFields(client: SalesforceClient): Promise<InvoiceColumns['fields']> {
  const describe = await client.describe(BILL_OBJECT);
  return describe.fields.filter((f) => f.type !== 'id').map((f) => ({ name: f.name, label: f.label, type: f.type }));
}

type SettingRow = { Id: string; Name: string; Field__c: string | null; Label__c: string | null; Position__c: number | null };

async function settingRows(client: SalesforceClient): Promise<SettingRow[]> {
  return client.query<SettingRow>(`SELECT Id, Name, Field__c, Label__c, Position__c FROM ${INVOICE_COLUMN_OBJECT} ORDER BY Position__c ASC NULLS LAST, Name ASC`, INVOICE_COLUMN_OBJECT);
}

/** The columns as the org holds them, and the fields a column may show. */
export async function readInvoiceColumns(client: SalesforceClient, organizationId: string): Promise<InvoiceColumns> {
  const [rows, fields] = await Promise.all([settingRows(client), billFields(client)]);
  return { organizationId, columns: rows.filter((r) => r.Field__c !== null).map((r) => ({ field: r.Field__c!, label: r.Label__c ?? r.Field__c! })), fields };
}

/**
 * Checks the columns against Ferry_Bill__c in the org (each field exists, once); on success
 * writes them to the custom setting: a record per column (named col-01, col-02, ...) updated in
 * place, added, or deleted when the list got shorter. Answers the problems, or the columns as held.
 */
export async function writeInvoiceColumns(client: SalesforceClient, organizationId: string, columns: z.infer<typeof invoiceColumn>[]): Promise<{ issues: Issue[] } | { saved: InvoiceColumns }> {
  const fields = await billFields(client);
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const issues: Issue[] = [];
  const seen = new Set<string>();
  columns.forEach((column, index) => {
    const field = byName.get(column.field.toLowerCase());
    if (field === undefined) {
      issues.push({ path: ['columns', index, 'field'], message: `Ferry_Bill__c has no field ${column.field} in the org; fields: ${fields.map((f) => f.name).join(', ')}` });
    } else if (field.name !== column.field) {
      issues.push({ path: ['columns', index, 'field'], message: `is spelled ${field.name} in Salesforce: use the exact API name` });
    } else if (seen.has(field.name)) {
      issues.push({ path: ['columns', index, 'field'], message: `${field.name} is already a column: each field once` });
    }
    seen.add(field?.name ?? column.field);
  });
  if (issues.length > 0) return { issues };
  const existing = await settingRows(client);
  const named = new Map(existing.map((r) => [r.Name, r]));
  const wanted = columns.map((column, index) => ({ Name: `col-${String(index + 1).padStart(2, '0')}`, Field__c: column.field, Label__c: column.label, Position__c: index + 1 }));
  const updates = wanted.filter((w) => named.has(w.Name)).map((w) => ({ Id: named.get(w.Name)!.Id, Field__c: w.Field__c, Label__c: w.Label__c, Position__c: w.Position__c }));
  const creates = wanted.filter((w) => !named.has(w.Name));
  const deletes = existing.filter((r) => !wanted.some((w) => w.Name === r.Name)).map((r) => r.Id);
  const failures = [
    ...(updates.length > 0 ? await client.update(INVOICE_COLUMN_OBJECT, updates) : []),
    ...(creates.length > 0 ? await client.create(INVOICE_COLUMN_OBJECT, creates) : []),
    ...(deletes.length > 0 ? await client.delete(INVOICE_COLUMN_OBJECT, deletes) : []),
  ].flatMap((r) => (r.success ? [] : r.errors.map((e) => `${e.statusCode}: ${e.message}`)));
  if (failures.length > 0) return { issues: [{ path: ['columns'], message: `Salesforce refused the invoice columns: ${failures.join('; ')}` }] };
  return { saved: { organizationId, columns, fields } };
}
