import { z } from 'zod';
import { fileSourceInput, httpSourceInput, sourceInput } from './sources.ts';

/**
 * A reconciliation matches the customers of three sides: Salesforce Accounts, Ferry accounts and
 * the customers of the billing tool (read from a source the user connects). Each side names the
 * others by a key: a Salesforce Account holds the billing tool's id in one of its fields; a
 * billing tool's customer may hold the Salesforce Account Id in one of its fields; a Ferry
 * account is linked to Salesforce by Ferry's links (or an external mapping) and to the billing
 * tool by one of its fields or an external mapping.
 */

const salesforceField = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'must be a Salesforce field API name such as "Chargebee_ID__c"');
/** A compared Account field: its own, or one of a record it looks up (one hop: "Owner.Email"). */
const salesforceCompared = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$/, 'must be an Account field API name such as "Name", or a field of a record it looks up such as "Owner.Email"');
const sourceField = z.string().trim().min(1, 'must not be empty').max(200).meta({ description: 'A field of the source\'s records (a CSV column, a JSON key; dots go into objects: "billing.company").' });
const ferryPath = z.string().regex(/^[a-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9_]*)*$/, 'must be a path on a Ferry account such as "name", "currency" or "customFields.chargebeeId"');
/** Compared Ferry paths that name the account's assigned user (ownerUserId) rather than the account. */
export const OWNER_PATHS = ['owner.email', 'owner.name'] as const;
const externalMapping = z.strictObject({
  externalSystem: z.string().trim().min(1).max(64),
  externalTable: z.string().trim().min(1).max(64),
}).meta({ description: 'External mappings of Ferry accounts (POST /api/v1/external-mappings) in this system and table.' });

/** Where the contacts of matched accounts come from: one source at a time. */
export const CONTACT_SOURCES = ['ferry', 'salesforce'] as const;
export type ContactSource = (typeof CONTACT_SOURCES)[number];

export const reconciliationField = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(64).meta({ description: 'How the report names the field: "name", "currency", "owner".' }),
  ferry: ferryPath.nullable().default(null)
    .meta({ description: 'A path on the Ferry account ("name", "address.locality", "customFields.region"), or "owner.email" / "owner.name": its assigned user\'s.' }),
  salesforce: salesforceCompared.nullable().default(null)
    .meta({ description: 'An Account field ("Name", "BillingCity") or a field of a record it looks up ("Owner.Email").' }),
  source: sourceField.nullable().default(null),
}).refine((f) => [f.ferry, f.salesforce, f.source].filter((v) => v !== null).length >= 2, { message: 'a compared field needs a value on at least two sides (ferry, salesforce, source)' });

export const reconciliationInput = z.strictObject({
  salesforceBillingIdField: salesforceField.meta({ description: 'The Salesforce Account field that holds the billing tool\'s customer id (e.g. "Chargebee_ID__c"); checked against the org.' }),
  source: sourceInput.meta({ description: 'Where the billing tool\'s customers come from: {"kind": "file", "format": "csv" | "jsonl"} (uploaded with PUT /integrations/{id}/reconciliation/file), or {"kind": "http", "url", "headers", "records", "next"}: an HTTPS endpoint of JSON pages, the records and the next page\'s URL picked by JSONata expressions. Header values are secrets: sealed when saved, never returned; leave headers out of a change to keep them.' }),
  sourceIdField: sourceField.meta({ description: 'The field of a source record that holds the billing tool\'s customer id.' }),
  sourceSalesforceIdField: sourceField.nullable().default(null).meta({ description: 'The field of a source record that holds the Salesforce Account Id, if the billing tool keeps it.' }),
  ferryToSalesforce: z.union([z.literal('links'), z.strictObject({ externalMapping })]).default('links')
    .meta({ description: '"links": a Ferry account is the Salesforce Account an integration of the organization delivered it as or read it from; or the external mappings of a system and table.' }),
  ferryToSource: z.union([z.strictObject({ field: ferryPath }), z.strictObject({ externalMapping })])
    .meta({ description: 'How a Ferry account names its billing-tool customer: a field of the account ({"field": "externalKey"}, {"field": "customFields.chargebeeId"}) or external mappings ({"externalMapping": {"externalSystem": "chargebee", "externalTable": "customers"}}).' }),
  fields: z.array(reconciliationField).max(20).default([])
    .meta({ description: 'Fields compared on matched records (each on two or three sides); a difference is reported with every side\'s value.' }),
  contactSource: z.enum(CONTACT_SOURCES, { error: 'must be "ferry" or "salesforce"' }).default('ferry')
    .meta({ description: 'Where the contacts of matched accounts (an Account and a Ferry account in one group) come from: "ferry" (as the billing platform writes them through Ferry\'s API; the reconciliation leaves them alone) or "salesforce" (each run makes them the Account\'s Salesforce contacts: updated, linked by e-mail, or created, a Salesforce Title becoming the title (job title), and those Salesforce lacks removed). One source at a time: refused while a Contact integration of the organization sends Ferry\'s contacts to Salesforce. GET /integrations/{id}/reconciliation/contact-source?to= says what switching replaces.' }),
  importOwners: z.boolean().default(false)
    .meta({ description: 'Each run makes the Account\'s owner in Salesforce the matched Ferry account\'s assigned user (ownerUserId; one per account): a Ferry user found by e-mail, or created.' }),
});

export type ReconciliationInput = z.infer<typeof reconciliationInput>;

/** What the report calls a group of records: which sides have it. */
export const CATEGORIES = ['all_three', 'salesforce_ferry', 'salesforce_source', 'ferry_source', 'salesforce_only', 'ferry_only', 'source_only', 'duplicate'] as const;
export type Category = (typeof CATEGORIES)[number];

/** An HTTPS source as stored and shown: its header names, never their values (sealed apart). */
const httpSourceView = httpSourceInput.omit({ headers: true }).extend({
  headerNames: z.array(z.string()).meta({ description: 'The headers sent (their values are sealed, never returned).' }),
});

/** A reconciliation's settings as stored and returned. */
export const reconciliationView = reconciliationInput.extend({
  source: z.discriminatedUnion('kind', [fileSourceInput, httpSourceView]),
}).meta({ id: 'ReconciliationSettings' });

export type ReconciliationView = z.infer<typeof reconciliationView>;

/** Splits the header values off a configuration: what is stored, and the secrets to seal. */
export function withoutSecrets(input: ReconciliationInput, keptNames: string[] = []): { stored: ReconciliationView; headers: Record<string, string> | undefined } {
  if (input.source.kind !== 'http') return { stored: { ...input, source: input.source }, headers: undefined };
  const { headers, ...rest } = input.source;
  return { stored: { ...input, source: { ...rest, headerNames: headers === undefined ? keptNames : Object.keys(headers) } }, headers };
}

/** A stored configuration as input again (to merge a change into): without the header names. */
export function asInput(stored: ReconciliationView): Record<string, unknown> {
  if (stored.source.kind !== 'http') return stored;
  const { headerNames: _names, ...source } = stored.source;
  return { ...stored, source };
}
