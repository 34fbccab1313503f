import { liveRecordsOf } from '../../platform/index.ts';
import type { ObjectDescribe, SalesforceClient } from '../../salesforce/index.ts';
import type { Queryable } from '../../storage/index.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import { REFERENCE_TYPES } from '../mapping/entities/reference.ts';
import type { ImportPlan, ImportRow } from './reconcile.ts';

/** Where reference data goes: one record per value, its type in Type__c. */
export const REFERENCE_OBJECT = 'Ferry_Reference__c';

const text = (value: unknown, max: number): string | null => (typeof value === 'string' && value !== '' ? value.slice(0, max) : null);

/**
 * Reference data as Salesforce should hold it: account types and statuses, contact types with
 * their points, countries and then their states (under their country), bill groups, AR terms with
 * their days, and owners (Ferry's users) with their currencies.
 */
export async function planReferenceData(db: Queryable, integration: IntegrationRow): Promise<ImportPlan> {
  const orgId = integration.org_id;
  const values: ImportRow[] = [];
  const states: ImportRow[] = [];
  for (const [entity, type] of Object.entries(REFERENCE_TYPES)) {
    for (const record of await liveRecordsOf(db, orgId, entity)) {
      const base = { key: record.id, entity, entityId: record.id, refs: {} };
      const common = { Name: text(record.name, 80), Type__c: type, Active__c: record.active !== false };
      if (entity === 'users') {
        values.push({ ...base, fields: { ...common, Code__c: record.email, Email__c: record.email, Currencies__c: (record.currencies as string[]).join(';') || null } });
        continue;
      }
      const fields: Record<string, unknown> = { ...common, Code__c: record.code, Description__c: text(record.description, 1000) };
      if (entity === 'contact-types') fields.Points__c = (record.points as string[]).join(';') || null;
      if (entity === 'ar-terms') fields.Days__c = record.days;
      values.push({ ...base, fields });
      if (entity === 'countries') {
        for (const state of record.states as { code: string; name: string }[]) {
          states.push({
            key: `${record.id}:${state.code}`, entity, entityId: record.id,
            fields: { Name: state.name.slice(0, 80), Type__c: 'STATE', Code__c: state.code, Active__c: record.active !== false },
            refs: { Parent__c: { object: REFERENCE_OBJECT, key: record.id } },
          });
        }
      }
    }
  }
  return {
    steps: [
      { object: REFERENCE_OBJECT, label: 'reference values', rows: values },
      { object: REFERENCE_OBJECT, label: 'states of countries', rows: states },
    ],
    retire: { [REFERENCE_OBJECT]: 'delete' },
  };
}

/** The standard value set behind a standard picklist field: what metadata adds values to it. */
const STANDARD_VALUE_SETS: Record<string, string> = {
  'Account.Type': 'AccountType',
  'Account.Industry': 'Industry',
  'Account.Rating': 'AccountRating',
  'Account.Ownership': 'AccountOwnership',
  'Account.AccountSource': 'AccountSource',
  'Contact.LeadSource': 'LeadSource',
};

export interface PicklistCheck {
  entity: string;
  object: string;
  field: string;
  /** Why the field cannot be checked (no such field, not a picklist); null when it was. */
  problem: string | null;
  /** Codes of Ferry's values the picklist does not offer. */
  missing: string[];
  /** The file of an SFDX project that adds them (the whole value set: deploying replaces it), or null when none is missing. */
  metadata: { path: string; content: string } | null;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function valueSetXml(values: string[], element: 'standardValue' | 'value'): string {
  return values.map((v) => `        <${element}>\n            <fullName>${escapeXml(v)}</fullName>\n            <default>false</default>\n            <label>${escapeXml(v)}</label>\n        </${element}>\n`).join('');
}

/** The metadata that makes the picklist offer `values` (its present values and the missing ones). */
function metadataFor(object: string, field: string, label: string, restricted: boolean, values: string[]): { path: string; content: string } {
  const standard = STANDARD_VALUE_SETS[`${object}.${field}`];
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n';
  if (!field.endsWith('__c')) {
    const name = standard ?? `${object}${field}`;
    return {
      path: `force-app/main/default/standardValueSets/${name}.standardValueSet-meta.xml`,
      content: `${xml}<StandardValueSet xmlns="http://soap.sforce.com/2006/04/metadata">\n    <sorted>false</sorted>\n${valueSetXml(values, 'standardValue').replace(/^ {4}/gm, '')}</StandardValueSet>\n`,
    };
  }
  return {
    path: `force-app/main/default/objects/${object}/fields/${field}.field-meta.xml`,
    content: `${xml}<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n    <fullName>${field}</fullName>\n    <label>${escapeXml(label)}</label>\n    <type>Picklist</type>\n    <valueSet>\n        <restricted>${restricted}</restricted>\n        <valueSetDefinition>\n            <sorted>false</sorted>\n${valueSetXml(values, 'value').replace(/^/gm, '        ').replace(/^ +$/gm, '')}        </valueSetDefinition>\n    </valueSet>\n</CustomField>\n`,
  };
}

/**
 * For each picklist the integration names (settings.picklists): the codes of Ferry's live values
 * it does not offer, and the metadata to deploy (Ferry does not deploy metadata itself). The org
 * is described afresh, so values added a moment ago count.
 */
export async function picklistReport(db: Queryable, integration: IntegrationRow, client: SalesforceClient): Promise<PicklistCheck[]> {
  const checks = integration.settings.picklists;
  const describes = new Map<string, ObjectDescribe | null>();
  const out: PicklistCheck[] = [];
  for (const check of checks) {
    const key = check.object.toLowerCase();
    if (!describes.has(key)) describes.set(key, await client.describe(check.object).catch(() => null));
    const describe = describes.get(key);
    const base = { entity: check.entity, object: check.object, field: check.field, missing: [], metadata: null };
    if (describe === null || describe === undefined) {
      out.push({ ...base, problem: `the org has no object ${check.object}` });
      continue;
    }
    const field = describe.fields.find((f) => f.name.toLowerCase() === check.field.toLowerCase());
    if (field === undefined) {
      out.push({ ...base, problem: `${check.object} has no field ${check.field}` });
      continue;
    }
    if (field.type !== 'picklist' && field.type !== 'multipicklist') {
      out.push({ ...base, field: field.name, problem: `${check.object}.${field.name} is a ${field.type} field, not a picklist` });
      continue;
    }
    const offered = new Set(field.picklistValues);
    const codes = (await liveRecordsOf(db, integration.org_id, check.entity)).filter((r) => r.active !== false).map((r) => String(r.code));
    const missing = [...new Set(codes.filter((c) => !offered.has(c)))].sort();
    out.push({
      ...base, field: field.name, problem: null, missing,
      metadata: missing.length === 0 ? null : metadataFor(check.object, field.name, field.label, field.restrictedPicklist, [...field.picklistValues, ...missing]),
    });
  }
  return out;
}
