// The partner API's dynamic sObject in both directions. In: `<sObjects><type>Account</type>
// <fieldsToNull>Phone</fieldsToNull><Id>..</Id><Name>..</Name></sObjects>` becomes the values the
// store's save path takes (the same one REST uses). Out: a record as the SOQL engine projects it
// becomes `<records xsi:type="sf:sObject"><sf:type>..</sf:type><sf:Id>..</sf:Id>..fields..`,
// where the first sf:Id is always present (nil when Id was not selected) and a selected Id appears
// again among the fields, as a real org answers.
import type { RecordValues } from '../schema/types.ts';
import { escapeXml, isNil, leaf, wrap, type XmlElement } from './xml.ts';

export interface SObjectInput {
  /** From `<type>`, else from `xsi:type`. */
  type: string | undefined;
  /** From `<Id>`. */
  id: string | undefined;
  /** Field values as text (the store coerces them), nulls for fieldsToNull and nil elements. */
  values: RecordValues;
}

function typeOf(el: XmlElement): string | undefined {
  const typeChild = el.children.find((c) => c.name === 'type');
  if (typeChild !== undefined && typeChild.text.trim() !== '') return typeChild.text.trim();
  // xsi:type="Account" or "sf:Account"; the generic sObject type names no object.
  const attr = el.attrs['type']?.replace(/^[^:]*:/, '');
  return attr === undefined || attr === 'sObject' ? undefined : attr;
}

/** A nested `<Account><type>Account</type><Ext__c>k</Ext__c></Account>`: a parent named by key. */
function parentReference(el: XmlElement): RecordValues {
  const out: RecordValues = {};
  const type = typeOf(el);
  if (type !== undefined) out['attributes'] = { type };
  for (const c of el.children) {
    if (c.name === 'type' || c.name === 'fieldsToNull') continue;
    out[c.name] = isNil(c) ? null : c.children.length > 0 ? parentReference(c) : c.text;
  }
  return out;
}

export function readSObject(el: XmlElement): SObjectInput {
  const values: RecordValues = {};
  let id: string | undefined;
  const nulls: string[] = [];
  for (const c of el.children) {
    if (c.name === 'type') continue;
    if (c.name === 'fieldsToNull') {
      if (c.text.trim() !== '') nulls.push(c.text.trim());
      continue;
    }
    if (c.name === 'Id' || c.name === 'id') {
      if (!isNil(c) && c.text.trim() !== '') id = c.text.trim();
      continue;
    }
    values[c.name] = isNil(c) ? null : c.children.length > 0 ? parentReference(c) : c.text;
  }
  for (const name of nulls) values[name] = null;
  return { type: typeOf(el), id, values };
}

const STORED_DATETIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})\+0000$/;

/** A stored value in xsd form: datetimes end in Z there (`2024-01-31T10:00:00.000Z`). */
function xsdText(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  const m = STORED_DATETIME.exec(value);
  return m === null ? value : `${m[1] ?? ''}Z`;
}

function isQueryResult(v: Record<string, unknown>): boolean {
  return Array.isArray(v['records']) && typeof v['done'] === 'boolean';
}

/** xsd type of an aggregate's value, which the partner API types explicitly (unverified detail). */
function xsdTypeOf(value: unknown): string {
  if (typeof value === 'boolean') return 'xsd:boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'xsd:int' : 'xsd:double';
  return 'xsd:string';
}

function fieldXml(name: string, value: unknown, aggregate: boolean): string {
  const tag = `sf:${name}`;
  if (value === null || value === undefined) return `<${tag} xsi:nil="true"/>`;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if ('attributes' in obj) return sObjectXml(tag, obj);
    if (isQueryResult(obj)) return queryResultXml(tag, obj['records'] as Record<string, unknown>[], { done: true, locator: null, size: Number(obj['totalSize'] ?? 0) });
    // A compound value (address, location): its parts, unqualified, as the WSDL's address type.
    const parts = Object.entries(obj).map(([k, v]) => leaf(k, v === null || v === undefined ? null : xsdText(v as string | number | boolean))).join('');
    return wrap(tag, parts, `xsi:type="${'street' in obj || 'city' in obj ? 'address' : 'location'}"`);
  }
  const text = escapeXml(xsdText(value as string | number | boolean));
  return aggregate ? `<${tag} xsi:type="${xsdTypeOf(value)}">${text}</${tag}>` : `<${tag}>${text}</${tag}>`;
}

/**
 * A REST-shaped record (attributes + fields in SELECT order) as a partner sObject element. `id`
 * fills the leading sf:Id when the caller knows it though it was not selected (retrieve).
 */
export function sObjectXml(tag: string, record: Record<string, unknown>, knownId?: string): string {
  const attributes = record['attributes'] as { type?: string } | undefined;
  const type = attributes?.type ?? '';
  const aggregate = type === 'AggregateResult';
  const id = knownId ?? record['Id'];
  let inner = `<sf:type>${escapeXml(type)}</sf:type>${typeof id === 'string' ? `<sf:Id>${escapeXml(id)}</sf:Id>` : '<sf:Id xsi:nil="true"/>'}`;
  for (const [name, value] of Object.entries(record)) {
    if (name === 'attributes') continue;
    inner += fieldXml(name, value, aggregate);
  }
  return wrap(tag, inner, 'xsi:type="sf:sObject"');
}

/** The WSDL's QueryResult: done, queryLocator, records, size (the total, not the page's). */
export function queryResultXml(tag: string, records: Record<string, unknown>[], page: { done: boolean; locator: string | null; size: number }): string {
  const inner = `<done>${String(page.done)}</done>${leaf('queryLocator', page.locator)}${records.map((r) => sObjectXml('records', r)).join('')}<size>${page.size}</size>`;
  return wrap(tag, inner, 'xsi:type="QueryResult"');
}
