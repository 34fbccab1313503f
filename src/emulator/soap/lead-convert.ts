// convertLead(): turns a qualified lead into an account, a contact and (unless told not to) an
// opportunity, or folds it into an existing account and contact, and marks the lead converted.
// Each LeadConvert is its own transaction; every record is written through the store's save, so
// required fields, picklists, audit fields and change events are REST's. Salesforce offers this
// only through SOAP and Apex: there is no REST resource for it, and the emulator adds none.
import { normalizeId } from '../ids.ts';
import type { Org } from '../org.ts';
import type { RecordValues } from '../schema/types.ts';
import type { WriteContext } from '../store/store.ts';
import type { FieldError } from '../store/values.ts';
import { answer, errorsXml, refuse, type Outcome, type SoapCall } from './call.ts';
import { boolOf, leaf, sfFault, textOf, type XmlElement } from './xml.ts';

/** The lead statuses whose LeadStatus row has IsConverted = true in a Developer Edition org. */
const CONVERTED_STATUSES = new Set(['Closed - Converted']);
const MAX_CONVERTS = 200;

// Salesforce's standard lead field mapping (Setup > Lead > Map Lead Fields); a pair is copied only
// when both fields exist in the emulator's schema.
const TO_ACCOUNT: [string, string][] = [
  ['Company', 'Name'], ['Street', 'BillingStreet'], ['City', 'BillingCity'], ['State', 'BillingState'], ['PostalCode', 'BillingPostalCode'],
  ['Country', 'BillingCountry'], ['Phone', 'Phone'], ['Fax', 'Fax'], ['Website', 'Website'], ['Industry', 'Industry'], ['AnnualRevenue', 'AnnualRevenue'],
  ['NumberOfEmployees', 'NumberOfEmployees'], ['Rating', 'Rating'], ['LeadSource', 'AccountSource'], ['CurrencyIsoCode', 'CurrencyIsoCode'],
];
const TO_CONTACT: [string, string][] = [
  ['Salutation', 'Salutation'], ['FirstName', 'FirstName'], ['LastName', 'LastName'], ['Title', 'Title'], ['Email', 'Email'], ['Phone', 'Phone'],
  ['MobilePhone', 'MobilePhone'], ['Fax', 'Fax'], ['Street', 'MailingStreet'], ['City', 'MailingCity'], ['State', 'MailingState'],
  ['PostalCode', 'MailingPostalCode'], ['Country', 'MailingCountry'], ['LeadSource', 'LeadSource'], ['Description', 'Description'],
  ['HasOptedOutOfEmail', 'HasOptedOutOfEmail'], ['DoNotCall', 'DoNotCall'], ['CurrencyIsoCode', 'CurrencyIsoCode'],
];
const TO_OPPORTUNITY: [string, string][] = [['LeadSource', 'LeadSource'], ['CurrencyIsoCode', 'CurrencyIsoCode']];

interface LeadConvert {
  leadId: string | undefined;
  convertedStatus: string;
  accountId: string | undefined;
  contactId: string | undefined;
  opportunityId: string | undefined;
  doNotCreateOpportunity: boolean;
  opportunityName: string | undefined;
  overwriteLeadSource: boolean;
  ownerId: string | undefined;
}

function readConvert(el: XmlElement): LeadConvert {
  const id = (name: string) => {
    const v = textOf(el, name)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  return {
    leadId: id('leadId'),
    convertedStatus: (textOf(el, 'convertedStatus') ?? '').trim(),
    accountId: id('accountId'),
    contactId: id('contactId'),
    opportunityId: id('opportunityId'),
    doNotCreateOpportunity: boolOf(el, 'doNotCreateOpportunity'),
    opportunityName: id('opportunityName'),
    overwriteLeadSource: boolOf(el, 'overwriteLeadSource'),
    ownerId: id('ownerId'),
  };
}

type ConvertResult =
  | { success: true; leadId: string; accountId: string; contactId: string; opportunityId: string | null }
  | { success: false; leadId: string | null; errors: FieldError[] };

function failed(leadId: string | null, statusCode: string, message: string, fields: string[] = []): ConvertResult {
  return { success: false, leadId, errors: [{ statusCode, message, fields }] };
}

/** A live record of `objectName` by id, or undefined. */
function live(org: Org, objectName: string, rawId: string | undefined): RecordValues | undefined {
  const id = rawId === undefined ? undefined : normalizeId(rawId);
  const found = id === undefined ? undefined : org.store.get(id);
  return found === undefined || found.deleted || found.table.def.name !== objectName ? undefined : found.values;
}

/** The lead's values for `target`, through `mapping`, for fields both objects have. */
function mapped(org: Org, lead: RecordValues, target: string, mapping: [string, string][]): RecordValues {
  const from = org.schema.get('Lead');
  const to = org.schema.get(target);
  const out: RecordValues = {};
  for (const [source, dest] of mapping) {
    if (from?.fieldMap.has(source.toLowerCase()) !== true || to?.fieldMap.has(dest.toLowerCase()) !== true) continue;
    const v = lead[source];
    if (v !== null && v !== undefined) out[dest] = v;
  }
  return out;
}

/** Values for an existing record: only the fields it leaves empty are filled from the lead. */
function emptyOnly(existing: RecordValues, values: RecordValues): RecordValues {
  return Object.fromEntries(Object.entries(values).filter(([k]) => existing[k] === null || existing[k] === undefined));
}

/** Last day of the current calendar quarter, the close date a converted opportunity gets (unverified). */
function endOfQuarter(now: number): string {
  const d = new Date(now);
  const quarterEndMonth = Math.floor(d.getUTCMonth() / 3) * 3 + 3;
  return new Date(Date.UTC(d.getUTCFullYear(), quarterEndMonth, 0)).toISOString().slice(0, 10);
}

function firstStage(org: Org): string | null {
  const stage = org.schema.get('Opportunity')?.fieldMap.get('stagename');
  const values = stage?.picklistValues.filter((p) => p.active) ?? [];
  return (values.find((p) => p.defaultValue) ?? values[0])?.value ?? null;
}

/** Checks what the request names before anything is written; the lead's values when all is well. */
function check(org: Org, c: LeadConvert): { lead: RecordValues; leadId: string; ownerId: string } | ConvertResult {
  const leadId = c.leadId === undefined ? undefined : normalizeId(c.leadId);
  const found = leadId === undefined ? undefined : org.store.get(leadId);
  if (leadId === undefined || found === undefined || found.table.def.name !== 'Lead') return failed(c.leadId ?? null, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['LeadId']);
  if (found.deleted) return failed(leadId, 'ENTITY_IS_DELETED', 'entity is deleted');
  const lead = found.values;
  if (lead['IsConverted'] === true) return failed(leadId, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
  if (!CONVERTED_STATUSES.has(c.convertedStatus)) return failed(leadId, 'INVALID_STATUS', `invalid convertedStatus: ${c.convertedStatus}`);
  const ownerId = c.ownerId ?? (typeof lead['OwnerId'] === 'string' ? lead['OwnerId'] : undefined);
  if (ownerId === undefined || live(org, 'User', ownerId) === undefined) return failed(leadId, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['OwnerId']);
  if (c.accountId !== undefined && live(org, 'Account', c.accountId) === undefined) return failed(leadId, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['AccountId']);
  if (c.contactId !== undefined) {
    // The contact must belong to the account named with it (messages unverified).
    const contact = live(org, 'Contact', c.contactId);
    if (contact === undefined) return failed(leadId, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['ContactId']);
    if (c.accountId === undefined || contact['AccountId'] !== normalizeId(c.accountId)) return failed(leadId, 'FIELD_INTEGRITY_EXCEPTION', 'The contact must belong to the account the lead is converted into', ['ContactId']);
  }
  if (c.opportunityId !== undefined) {
    const opportunity = live(org, 'Opportunity', c.opportunityId);
    if (opportunity === undefined) return failed(leadId, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['OpportunityId']);
    if (c.accountId === undefined || opportunity['AccountId'] !== normalizeId(c.accountId)) return failed(leadId, 'FIELD_INTEGRITY_EXCEPTION', 'The opportunity must belong to the account the lead is converted into', ['OpportunityId']);
  }
  return { lead, leadId, ownerId: normalizeId(ownerId) ?? ownerId };
}

type Step = { id: string } | { errors: FieldError[] };

/** Uses the named record, filling its empty fields from the lead, or creates one. */
function useOrCreate(org: Org, objectName: string, existingId: string | undefined, values: RecordValues, extra: RecordValues, ctx: WriteContext): Step {
  if (existingId !== undefined) {
    const id = normalizeId(existingId) ?? existingId;
    const existing = live(org, objectName, id) ?? {};
    const fill = { ...emptyOnly(existing, values), ...extra };
    if (Object.keys(fill).length === 0) return { id };
    const saved = org.store.update(objectName, id, fill, ctx);
    return saved.success ? { id } : { errors: saved.errors };
  }
  const saved = org.store.create(objectName, { ...values, ...extra }, ctx);
  return saved.success ? { id: saved.id } : { errors: saved.errors };
}

function convertOne(org: Org, c: LeadConvert, ctx: WriteContext): ConvertResult {
  const checked = check(org, c);
  if ('success' in checked) return checked;
  const { lead, leadId, ownerId } = checked;
  return org.store.transaction((): { commit: boolean; value: ConvertResult } => {
    const fail = (errors: FieldError[]) => ({ commit: false, value: { success: false as const, leadId, errors } });
    const account = useOrCreate(org, 'Account', c.accountId, mapped(org, lead, 'Account', TO_ACCOUNT), c.accountId === undefined ? { OwnerId: ownerId } : {}, ctx);
    if ('errors' in account) return fail(account.errors);
    const contactValues = mapped(org, lead, 'Contact', TO_CONTACT);
    // overwriteLeadSource replaces an existing contact's LeadSource; otherwise only empty fields are filled.
    const contactExtra: RecordValues = c.contactId === undefined ? { AccountId: account.id, OwnerId: ownerId } : c.overwriteLeadSource && 'LeadSource' in contactValues ? { LeadSource: contactValues['LeadSource'] } : {};
    const contact = useOrCreate(org, 'Contact', c.contactId, contactValues, contactExtra, ctx);
    if ('errors' in contact) return fail(contact.errors);
    let opportunityId: string | null = c.opportunityId === undefined ? null : (normalizeId(c.opportunityId) ?? null);
    if (opportunityId === null && !c.doNotCreateOpportunity) {
      const opportunity = org.store.create(
        'Opportunity',
        { ...mapped(org, lead, 'Opportunity', TO_OPPORTUNITY), Name: c.opportunityName ?? lead['Company'], AccountId: account.id, StageName: firstStage(org), CloseDate: endOfQuarter(org.store.now()), OwnerId: ownerId },
        ctx,
      );
      if (!opportunity.success) return fail(opportunity.errors);
      opportunityId = opportunity.id;
    }
    const converted = org.store.update(
      'Lead',
      leadId,
      { IsConverted: true, Status: c.convertedStatus, ConvertedAccountId: account.id, ConvertedContactId: contact.id, ConvertedOpportunityId: opportunityId, ConvertedDate: new Date(org.store.now()).toISOString().slice(0, 10) },
      { ...ctx, system: true },
    );
    if (!converted.success) return fail(converted.errors);
    return { commit: true, value: { success: true, leadId, accountId: account.id, contactId: contact.id, opportunityId } };
  });
}

function resultXml(r: ConvertResult): string {
  if (!r.success) return `<result><accountId xsi:nil="true"/><contactId xsi:nil="true"/>${errorsXml(r.errors)}${leaf('leadId', r.leadId)}<opportunityId xsi:nil="true"/><success>false</success></result>`;
  return `<result>${leaf('accountId', r.accountId)}${leaf('contactId', r.contactId)}${leaf('leadId', r.leadId)}${leaf('opportunityId', r.opportunityId)}<success>true</success></result>`;
}

/** Every element under `<convertLead>` is a LeadConvert (the WSDL names them leadConverts). */
export function convertLead(call: SoapCall): Outcome {
  const requests = call.op.children;
  if (requests.length > MAX_CONVERTS) return refuse(sfFault('LIMIT_EXCEEDED', `Too many leads to convert: ${requests.length}, max ${MAX_CONVERTS}`));
  const ctx: WriteContext = { userId: call.userId };
  const results = requests.map((el) => convertOne(call.org, readConvert(el), ctx));
  const written = results.reduce((n, r) => n + (r.success ? 3 : 0), 0);
  return answer(`<convertLeadResponse>${results.map(resultXml).join('')}</convertLeadResponse>`, written);
}
