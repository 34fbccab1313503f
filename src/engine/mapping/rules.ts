import { z } from 'zod';

/**
 * A mapping is a list of rules, each one field of one Salesforce object:
 * - field: a Ferry path (`name`, `address.locality`, `customFields.region`, `lineItems[].quantity`)
 *   and a Salesforce field, with an optional JSONata transform for computed values;
 * - lookup: a Ferry field that holds another record's Ferry id (`accountId`) and the Salesforce
 *   reference field it becomes (`Account__c`); Ferry resolves it to the parent's Salesforce Id,
 *   or names the parent by its external id in the write itself;
 * - contact_point: one point of a contact (its e-mail, a phone of one kind, its address lines) for
 *   contacts of one contact type (or `*`, any type), to a Contact field.
 * `object` defaults to the entity's main object; `lineItems[]` paths go to the line item object.
 */
export const DIRECTIONS = ['to_salesforce', 'to_ferry', 'both'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const CONTACT_POINTS = [
  'email', 'phone.WORK', 'phone.MOBILE', 'phone.HOME', 'phone.FAX', 'phone.OTHER',
  'address.street', 'address.line1', 'address.line2', 'address.locality', 'address.region', 'address.postCode', 'address.country',
] as const;
export type ContactPoint = (typeof CONTACT_POINTS)[number];

const direction = z.enum(DIRECTIONS, { error: `must be one of ${DIRECTIONS.join(', ')}` }).default('to_salesforce');
/**
 * A field of the object, or (read only) a field of a record it looks up, by relationship:
 * `Opportunity.CloseDate`, `Product2.Name` (up to five levels, as SOQL allows).
 */
const salesforceName = z.string({ error: 'is required: a Salesforce field API name such as "Name" or "Region__c"' })
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$/, 'must be a Salesforce field API name such as "Name" or "Region__c" (letters, digits and _), or a related record\'s field such as "Opportunity.CloseDate"');

/** A field of a related record (`Opportunity.CloseDate`): read only. */
export const isRelationshipField = (name: string) => name.includes('.');
const objectName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'must be a Salesforce object API name such as "Account"');
const ferryPath = z.string({ error: 'is required: a path on the Ferry record such as "name" or "customFields.region"' }).min(1, 'must not be empty').max(200);

export const fieldRuleInput = z.strictObject({
  kind: z.literal('field').default('field'),
  object: objectName.optional(),
  ferry: ferryPath,
  salesforce: salesforceName,
  direction,
  transform: z.string().min(1, 'must not be empty (leave it out for a plain copy)').max(2000).optional(),
});

export const lookupRuleInput = z.strictObject({
  kind: z.literal('lookup'),
  object: objectName.optional(),
  ferry: ferryPath,
  salesforce: salesforceName,
  /** The Ferry entity the id names: accounts, contracts, bills, balances. */
  target: z.string().min(1),
  /** A required lookup holds the record back until its parent is in Salesforce; an optional one is left empty. */
  required: z.boolean().default(false),
  direction,
});

export const contactPointRuleInput = z.strictObject({
  kind: z.literal('contact_point'),
  object: objectName.optional(),
  contactType: z.string().min(1).max(100).default('*'),
  point: z.enum(CONTACT_POINTS, { error: `must be one of ${CONTACT_POINTS.join(', ')}` }),
  salesforce: salesforceName,
  direction,
});

export const ruleInput = z.discriminatedUnion('kind', [fieldRuleInput, lookupRuleInput, contactPointRuleInput], {
  error: 'must be a rule: {"ferry", "salesforce", "direction"?, "transform"?}, {"kind": "lookup", ...} or {"kind": "contact_point", ...}',
});

/** Rules as stored and shown: every default filled in, `object` included. */
export type FieldRule = z.output<typeof fieldRuleInput> & { object: string };
export type LookupRule = z.output<typeof lookupRuleInput> & { object: string };
export type ContactPointRule = z.output<typeof contactPointRuleInput> & { object: string };
export type Rule = FieldRule | LookupRule | ContactPointRule;

export const ruleView = z.union([
  fieldRuleInput.extend({ object: objectName }),
  lookupRuleInput.extend({ object: objectName }),
  contactPointRuleInput.extend({ object: objectName }),
]);

export const mappingPutBody = z.strictObject({
  rules: z.array(z.unknown()).max(500, 'a mapping holds at most 500 rules'),
  version: z.number().int().optional(),
});

export const ruleSelector = z.strictObject({
  object: objectName.optional(),
  salesforce: salesforceName,
  contactType: z.string().optional(),
});

export const mappingPatchBody = z.strictObject({
  add: z.array(z.unknown()).max(500).default([]),
  remove: z.array(ruleSelector).max(500).default([]),
  version: z.number().int().optional(),
});

export const mappingView = z.strictObject({
  integrationId: z.uuid(),
  entityType: z.string(),
  isDefault: z.boolean().meta({ description: 'True while the integration uses its entity type\'s default mapping.' }),
  version: z.number().meta({ description: 'The integration\'s version; send it back to guard against concurrent changes.' }),
  rules: z.array(ruleView),
  warnings: z.array(z.strictObject({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
    .meta({ description: 'Fits that are checked per value at delivery: e.g. Ferry allows longer text than the Salesforce field holds; longer values are held back with an event, never cut.' }),
  resync: z.strictObject({ runId: z.string() }).nullable().meta({ description: 'The full run queued because the mapping changed, when one was.' }),
}).meta({ id: 'Mapping' });
export type MappingView = z.infer<typeof mappingView>;

/** A rule's identity in a mapping: one rule writes one Salesforce field (per contact type). */
export function ruleKey(rule: { object: string; salesforce: string; kind?: string; contactType?: string | undefined }): string {
  const base = `${rule.object}.${rule.salesforce}`.toLowerCase();
  return rule.kind === 'contact_point' ? `${base}@${rule.contactType ?? '*'}` : base;
}

export const sendsToSalesforce = (rule: Rule) => rule.direction === 'to_salesforce' || rule.direction === 'both';
export const readsFromSalesforce = (rule: Rule) => rule.direction === 'to_ferry' || rule.direction === 'both';
