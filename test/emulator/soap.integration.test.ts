// The partner SOAP API beyond login: jsforce's conn.soap for the calls it has (convertLead, merge,
// getUserInfo, describeTabs, getServerTimestamp, create/upsert/delete/undelete), raw envelopes
// for the rest and for the wire shapes jsforce hides (sf: prefixes, nil elements, faults). State is
// checked through REST, the other road into the same store.
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SFDX_PROJECT } from '../../src/emulator/index.ts';
import { API_VERSION, failure, oauthLogin, raw, soapLogin, useEmulator } from './support.ts';

// The fixture project adds a platform event (Ferry_Test_Event__e) to Ferry's objects.
const FIXTURES = fileURLToPath(new URL('./fixtures/sfdx', import.meta.url));
const ctx = useEmulator({ sfdxProjects: [DEFAULT_SFDX_PROJECT, FIXTURES] });

// Arrays wherever the partner WSDL allows repeats, so one element and many read the same way.
const REPEATED = new Set(['result', 'records', 'errors', 'fields', 'sobjects', 'childRelationships', 'picklistValues', 'referenceTo', 'mergedRecordIds', 'updatedRelatedIds', 'sf:Id', 'tabs']);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (name) => REPEATED.has(name) });

type Xml = Record<string, unknown> & { '@xsi:nil'?: string; '@xsi:type'?: string; '#text'?: string };

interface SoapReply {
  status: number;
  text: string;
  /** The element under soapenv:Body (the xResponse, or soapenv:Fault). */
  body: Xml;
}

/**
 * Posts an envelope the way SoapUI-generated clients write it: the partner namespace under `urn:`
 * and the sObject namespace under `urn1:` (jsforce uses other prefixes; the server reads local names).
 */
async function soap(operation: string, inner: string, options: { session?: string; headers?: string } = {}): Promise<SoapReply> {
  const session = options.session ?? ctx.conn.accessToken ?? '';
  const envelope =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com" xmlns:urn1="urn:sobject.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Header><urn:SessionHeader><urn:sessionId>${session}</urn:sessionId></urn:SessionHeader>${options.headers ?? ''}</soapenv:Header>` +
    `<soapenv:Body><urn:${operation}>${inner}</urn:${operation}></soapenv:Body></soapenv:Envelope>`;
  const res = await fetch(`${ctx.emu.url}/services/Soap/u/${API_VERSION}`, { method: 'POST', headers: { 'Content-Type': 'text/xml', SOAPAction: '""' }, body: envelope });
  const text = await res.text();
  const doc = parser.parse(text) as Record<string, Record<string, Record<string, Xml>>>;
  const body = doc['soapenv:Envelope']?.['soapenv:Body'] ?? {};
  return { status: res.status, text, body: body[`${operation}Response`] ?? body['soapenv:Fault'] ?? {} };
}

function results(reply: SoapReply): Xml[] {
  return (reply.body['result'] ?? []) as Xml[];
}

function sObject(type: string, fields: string): string {
  return `<urn:sObjects><urn1:type>${type}</urn1:type>${fields}</urn:sObjects>`;
}

/** Creates a record through REST and returns its id. */
async function insert(type: string, values: Record<string, unknown>): Promise<string> {
  const saved = await ctx.conn.sobject(type).create(values);
  if (!saved.success) throw new Error(`could not create ${type}: ${JSON.stringify(saved.errors)}`);
  return saved.id;
}

async function count(soql: string): Promise<number> {
  return (await ctx.conn.query(soql)).totalSize;
}

describe('partner SOAP writes', () => {
  it('creates records with SaveResults in order, a failed record carrying its errors and a nil id', async () => {
    const reply = await soap('create', sObject('Account', '<urn1:Name>Acme &amp; Co</urn1:Name><urn1:NumberOfEmployees>12</urn1:NumberOfEmployees>') + sObject('Account', '<urn1:Phone>555</urn1:Phone>'));
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('xmlns:sf="urn:sobject.partner.soap.sforce.com"');
    expect(reply.text).toMatch(/<soapenv:Header><LimitInfoHeader><limitInfo><current>\d+<\/current><limit>\d+<\/limit><type>API REQUESTS<\/type><\/limitInfo><\/LimitInfoHeader><\/soapenv:Header>/);
    const [ok, bad] = results(reply);
    expect(ok).toEqual({ id: expect.stringMatching(/^001[A-Za-z0-9]{15}$/) as unknown, success: 'true' });
    expect(bad).toEqual({
      errors: [{ fields: ['Name'], message: 'Required fields are missing: [Name]', statusCode: 'REQUIRED_FIELD_MISSING' }],
      id: { '@xsi:nil': 'true' },
      success: 'false',
    });
    const stored = await ctx.conn.sobject('Account').retrieve(String(ok?.['id']));
    expect(stored).toMatchObject({ Name: 'Acme & Co', NumberOfEmployees: 12 });
    expect(await count('SELECT Id FROM Account')).toBe(1);
  });

  it('updates with fieldsToNull and refuses a record without Id', async () => {
    const id = await insert('Account', { Name: 'Before', Phone: '555-0100', Website: 'https://before.test' });
    const reply = await soap(
      'update',
      sObject('Account', `<urn1:fieldsToNull>Phone</urn1:fieldsToNull><urn1:Id>${id}</urn1:Id><urn1:Name>After</urn1:Name>`) + sObject('Account', '<urn1:Name>No id</urn1:Name>'),
    );
    const [ok, bad] = results(reply);
    expect(ok).toEqual({ id, success: 'true' });
    expect(bad?.['errors']).toEqual([{ message: 'Id not specified in an update call', statusCode: 'MISSING_ARGUMENT' }]);
    expect(await ctx.conn.sobject('Account').retrieve(id)).toMatchObject({ Name: 'After', Phone: null, Website: 'https://before.test' });
  });

  it('sets a lookup from a parent named by external id in a nested sObject', async () => {
    const accountId = await insert('Account', { Name: 'Keyed', Ferry_Id__c: 'acct-7' });
    const reply = await soap('create', sObject('Contact', '<urn1:LastName>Linked</urn1:LastName><urn1:Account><urn1:type>Account</urn1:type><urn1:Ferry_Id__c>acct-7</urn1:Ferry_Id__c></urn1:Account>') + sObject('Contact', '<urn1:LastName>Dangling</urn1:LastName><urn1:Account><urn1:type>Account</urn1:type><urn1:Ferry_Id__c>nope</urn1:Ferry_Id__c></urn1:Account>'));
    const [linked, dangling] = results(reply);
    expect(linked?.['success']).toBe('true');
    expect((await ctx.conn.sobject('Contact').retrieve(String(linked?.['id']))).AccountId).toBe(accountId);
    expect(dangling).toMatchObject({ success: 'false', errors: [{ statusCode: 'INVALID_FIELD' }] });
    expect(await count('SELECT Id FROM Contact')).toBe(1);
  });

  it('publishes a platform event created through SOAP instead of storing it', async () => {
    const before = ctx.emu.controls.counters().eventsPublished;
    const [published, refused] = results(await soap('create', sObject('Ferry_Test_Event__e', '<urn1:Message__c>hello</urn1:Message__c>') + sObject('Ferry_Test_Event__e', '<urn1:Nope__c>x</urn1:Nope__c>')));
    expect(published).toEqual({ id: expect.stringMatching(/^e00[A-Za-z0-9]{15}$/) as unknown, success: 'true' });
    expect(refused).toMatchObject({ success: 'false', errors: [{ statusCode: 'INVALID_FIELD' }] });
    expect(ctx.emu.controls.counters().eventsPublished).toBe(before + 1);
  });

  it('upserts by external id through jsforce: created, then matched', async () => {
    const first = await ctx.conn.soap.upsert('Ferry_Id__c', { type: 'Account', Ferry_Id__c: 'soap-1', Name: 'Upserted' });
    expect(first).toMatchObject({ created: true, success: true, errors: [] });
    const second = await ctx.conn.soap.upsert('Ferry_Id__c', [{ type: 'Account', Ferry_Id__c: 'soap-1', Name: 'Upserted again', Phone: null }]);
    expect(second).toEqual([{ created: false, success: true, errors: [], id: first.id }]);
    const bad = await ctx.conn.soap.upsert('Name', { type: 'Account', Name: 'x' });
    expect(bad).toMatchObject({ success: false, created: false, errors: [{ statusCode: 'INVALID_FIELD', message: 'Field name provided, Name is not an External ID or indexed field for Account' }] });
    const rows = await ctx.conn.query<{ Name: string }>("SELECT Name FROM Account WHERE Ferry_Id__c = 'soap-1'");
    expect(rows.records.map((r) => r.Name)).toEqual(['Upserted again']);
  });

  it('deletes and undeletes through jsforce, reporting an id that is already gone', async () => {
    const created = await ctx.conn.soap.create([{ type: 'Contact', LastName: 'Gone' }]);
    const id = created[0]?.id ?? '';
    // DeleteResult's errors are nillable in the WSDL, so jsforce leaves the key out when there are none.
    expect(await ctx.conn.soap.delete([id])).toEqual([{ id, success: true }]);
    const again = await ctx.conn.soap.delete(id);
    expect(again).toMatchObject({ success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }] });
    expect(await count('SELECT Id FROM Contact')).toBe(0);
    expect(await ctx.conn.soap.undelete([id])).toEqual([{ id, success: true, errors: [] }]);
    expect(await count('SELECT Id FROM Contact')).toBe(1);
  });

  it('rolls every record back under AllOrNoneHeader', async () => {
    const reply = await soap('create', sObject('Account', '<urn1:Name>Valid</urn1:Name>') + sObject('Account', '<urn1:Name></urn1:Name>'), {
      headers: '<urn:AllOrNoneHeader><urn:allOrNone>true</urn:allOrNone></urn:AllOrNoneHeader>',
    });
    const [valid, invalid] = results(reply);
    expect(valid?.['errors']).toEqual([{ message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' }]);
    expect(invalid?.['errors']).toEqual([{ fields: ['Name'], message: 'Required fields are missing: [Name]', statusCode: 'REQUIRED_FIELD_MISSING' }]);
    expect(await count('SELECT Id FROM Account')).toBe(0);
  });

  it('refuses a value of the wrong xsd type with a Client fault, saving nothing', async () => {
    const reply = await soap('create', sObject('Account', '<urn1:Name>Fine</urn1:Name>') + sObject('Account', '<urn1:Name>Bad</urn1:Name><urn1:AnnualRevenue>lots</urn1:AnnualRevenue>'));
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ faultcode: 'soapenv:Client', faultstring: "'lots' is not a valid value for the type xsd:double" });
    expect(await count('SELECT Id FROM Account')).toBe(0);
  });

  it('answers an unknown object with the INVALID_TYPE fault and creates nothing', async () => {
    const reply = await soap('create', sObject('Account', '<urn1:Name>Would be saved</urn1:Name>') + sObject('Widget__c', '<urn1:Name>x</urn1:Name>'));
    expect(reply.status).toBe(500);
    expect(reply.body['faultcode']).toBe('sf:INVALID_TYPE');
    expect(reply.body['faultstring']).toBe("INVALID_TYPE: sObject type 'Widget__c' is not supported.");
    expect(reply.text).toContain('<detail><sf:InvalidSObjectFault xsi:type="sf:InvalidSObjectFault"><sf:exceptionCode>INVALID_TYPE</sf:exceptionCode>');
    expect(await count('SELECT Id FROM Account')).toBe(0);
  });

  it('refuses a bad session with INVALID_SESSION_ID, HTTP 500, and changes nothing', async () => {
    const reply = await soap('create', sObject('Account', '<urn1:Name>Nope</urn1:Name>'), { session: '00Dxx0000000000!bogus' });
    expect(reply.status).toBe(500);
    expect(reply.text).toContain('xmlns:sf="urn:fault.partner.soap.sforce.com"');
    expect(reply.body).toEqual({
      faultcode: 'sf:INVALID_SESSION_ID',
      faultstring: 'INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session',
      detail: {
        'sf:UnexpectedErrorFault': {
          '@xsi:type': 'sf:UnexpectedErrorFault',
          'sf:exceptionCode': 'INVALID_SESSION_ID',
          'sf:exceptionMessage': 'Invalid Session ID found in SessionHeader: Illegal Session',
        },
      },
    });
    expect(await count('SELECT Id FROM Account')).toBe(0);
  });

  it('counts each call but login against the daily API limit, reports it in LimitInfoHeader and refuses calls over it', async () => {
    const usage = (reply: SoapReply) => Number(/<current>(\d+)<\/current>/.exec(reply.text)?.[1]);
    const first = usage(await soap('getServerTimestamp', ''));
    expect(first).toBe(ctx.emu.controls.counters().apiUsed);
    await soapLogin(ctx.emu);
    expect(usage(await soap('getServerTimestamp', ''))).toBe(first + 1);
    const { apiMax } = ctx.emu.controls.counters();
    ctx.emu.controls.setApiLimit(first + 1);
    const refused = await soap('create', sObject('Account', '<urn1:Name>Over the limit</urn1:Name>'));
    ctx.emu.controls.setApiLimit(apiMax);
    expect(refused.status).toBe(500);
    expect(refused.body['faultstring']).toBe('REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.');
    expect(await count('SELECT Id FROM Account')).toBe(0);
  });

  it('answers an operation the endpoint does not offer, and XML it cannot read, with Client faults', async () => {
    const reply = await soap('sendEmail', '');
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ faultcode: 'soapenv:Client', faultstring: 'No operation available for request {urn:partner.soap.sforce.com}sendEmail, please check the WSDL for the service.' });
    for (const body of ['<soapenv:Envelope><soapenv:Body><create>', '<!DOCTYPE x [<!ENTITY a "a">]><login><username>&a;</username></login>']) {
      const res = await fetch(`${ctx.emu.url}/services/Soap/u/${API_VERSION}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body });
      expect(res.status).toBe(500);
      expect(await res.text()).toContain('<faultcode>soapenv:Client</faultcode>');
    }
  });
});

describe('partner SOAP reads', () => {
  it('queries with sf:-prefixed records, the leading sf:Id, parents and child results', async () => {
    const [accountId] = ctx.emu.controls.seed([
      { attributes: { type: 'Account', referenceId: 'a' }, Name: 'Parent <Co>' },
      { attributes: { type: 'Contact' }, LastName: 'Kid', AccountId: '@a' },
    ]).map((r) => r.id ?? '');
    const reply = await soap('query', '<urn:queryString>SELECT Id, Name, Phone, Owner.Name, (SELECT LastName FROM Contacts) FROM Account</urn:queryString>');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain(
      `<queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><records xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>${accountId}</sf:Id><sf:Id>${accountId}</sf:Id><sf:Name>Parent &lt;Co&gt;</sf:Name><sf:Phone xsi:nil="true"/>`,
    );
    expect(reply.text).toContain('<sf:Owner xsi:type="sf:sObject"><sf:type>User</sf:type><sf:Id xsi:nil="true"/><sf:Name>Ferry Admin</sf:Name></sf:Owner>');
    expect(reply.text).toContain(
      `<sf:Contacts xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><records xsi:type="sf:sObject"><sf:type>Contact</sf:type><sf:Id xsi:nil="true"/><sf:LastName>Kid</sf:LastName></records><size>1</size></sf:Contacts></records><size>1</size></result></queryResponse>`,
    );
  });

  it('pages with queryMore: 500 by default, QueryOptions batchSize, size is the total', async () => {
    ctx.emu.controls.seed(Array.from({ length: 550 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `A${String(i).padStart(3, '0')}` })));
    const first = await soap('query', '<urn:queryString>SELECT Id FROM Account ORDER BY Name</urn:queryString>', { headers: '<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>' });
    const page1 = results(first)[0] ?? {};
    expect(page1['done']).toBe('false');
    expect(page1['size']).toBe('550');
    expect(page1['records']).toHaveLength(200);
    const locator = String(page1['queryLocator']);
    expect(locator).toMatch(/^01g[A-Za-z0-9]{15}-200$/);
    const second = results(await soap('queryMore', `<urn:queryLocator>${locator}</urn:queryLocator>`))[0] ?? {};
    const third = results(await soap('queryMore', `<urn:queryLocator>${String(second['queryLocator'])}</urn:queryLocator>`))[0] ?? {};
    expect(third).toMatchObject({ done: 'true', queryLocator: { '@xsi:nil': 'true' }, size: '550' });
    expect(third['records']).toHaveLength(150);
    const ids = [page1, second, third].flatMap((p) => (p['records'] as Xml[]).map((r) => (r['sf:Id'] as string[])[0]));
    expect(new Set(ids).size).toBe(550);
    const defaultPage = results(await soap('query', '<urn:queryString>SELECT Id FROM Account</urn:queryString>'))[0] ?? {};
    expect(defaultPage['records']).toHaveLength(500);
    expect(defaultPage['queryLocator']).toMatch(/-500$/);
    const gone = await soap('queryMore', `<urn:queryLocator>${locator.replace(/-200$/, '-9')}x</urn:queryLocator>`);
    expect(gone.status).toBe(500);
    expect(gone.body['faultcode']).toBe('sf:INVALID_QUERY_LOCATOR');
  });

  it('answers COUNT() with the size alone', async () => {
    ctx.emu.controls.seed([1, 2, 3].map((n) => ({ attributes: { type: 'Account' }, Name: `C${n}` })));
    const reply = await soap('query', '<urn:queryString>SELECT COUNT() FROM Account</urn:queryString>');
    expect(reply.text).toContain('<queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><size>3</size></result></queryResponse>');
  });

  it('shows deleted records, with IsDeleted, only to queryAll', async () => {
    const id = await insert('Account', { Name: 'Binned' });
    await ctx.conn.sobject('Account').destroy(id);
    expect(results(await soap('query', '<urn:queryString>SELECT Id FROM Account</urn:queryString>'))[0]?.['size']).toBe('0');
    const all = await soap('queryAll', '<urn:queryString>SELECT Id, IsDeleted FROM Account</urn:queryString>');
    expect(all.text).toContain(`<sf:Id>${id}</sf:Id><sf:IsDeleted>true</sf:IsDeleted>`);
  });

  it('answers malformed queries and unknown fields with typed query faults and the error position', async () => {
    const malformed = await soap('query', '<urn:queryString>SELECT FROM Account</urn:queryString>');
    expect(malformed.status).toBe(500);
    expect(malformed.body['faultcode']).toBe('sf:MALFORMED_QUERY');
    expect(malformed.text).toContain('<sf:MalformedQueryFault xsi:type="sf:MalformedQueryFault"><sf:exceptionCode>MALFORMED_QUERY</sf:exceptionCode>');
    const field = await soap('query', '<urn:queryString>SELECT Id, Nope__c FROM Account</urn:queryString>');
    expect(field.body['faultcode']).toBe('sf:INVALID_FIELD');
    expect(String(field.body['faultstring'])).toContain("No such column 'Nope__c' on entity 'Account'");
    expect(field.text).toContain('<sf:row>1</sf:row><sf:column>12</sf:column></sf:InvalidFieldFault>');
    const type = await soap('query', '<urn:queryString>SELECT Id FROM Nothing__c</urn:queryString>');
    expect(type.body['faultcode']).toBe('sf:INVALID_TYPE');
    expect(type.text).toContain('<sf:InvalidSObjectFault xsi:type="sf:InvalidSObjectFault">');
  });

  it('retrieves records in the order asked, nil for an id that names none', async () => {
    const id = await insert('Account', { Name: 'Kept', Phone: '555' });
    const deleted = await insert('Account', { Name: 'Deleted' });
    await ctx.conn.sobject('Account').destroy(deleted);
    const reply = await soap('retrieve', `<urn:fieldList>Name, Owner.Name</urn:fieldList><urn:sObjectType>Account</urn:sObjectType><urn:ids>${deleted}</urn:ids><urn:ids>${id.slice(0, 15)}</urn:ids>`);
    expect(reply.text).toContain(
      `<retrieveResponse><result xsi:nil="true"/><result xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>${id}</sf:Id><sf:Name>Kept</sf:Name><sf:Owner xsi:type="sf:sObject">`,
    );
    const bad = await soap('retrieve', `<urn:fieldList>Nope__c</urn:fieldList><urn:sObjectType>Account</urn:sObjectType><urn:ids>${id}</urn:ids>`);
    expect(bad.body['faultcode']).toBe('sf:INVALID_FIELD');
  });

  it('describes an object in the partner WSDL shape and refuses an unknown one', async () => {
    const reply = await soap('describeSObject', '<urn:sObjectType>Account</urn:sObjectType>');
    const result = results(reply)[0] ?? {};
    expect(result).toMatchObject({ name: 'Account', keyPrefix: '001', createable: 'true', mergeable: 'true', label: 'Account', labelPlural: 'Accounts' });
    const fields = result['fields'] as Xml[];
    expect(fields.find((f) => f['name'] === 'Name')).toMatchObject({ type: 'string', soapType: 'xsd:string', nillable: 'false', length: '255' });
    expect(fields.find((f) => f['name'] === 'OwnerId')).toMatchObject({ type: 'reference', referenceTo: ['User'], relationshipName: 'Owner' });
    expect(result['childRelationships'] as Xml[]).toContainEqual(expect.objectContaining({ childSObject: 'Contact', field: 'AccountId', relationshipName: 'Contacts', cascadeDelete: 'true' }));
    // Elements follow the WSDL's sequence: a strict client (JAX-WS, .NET) rejects any other order.
    expect(reply.text).toMatch(/<result><activateable>false<\/activateable><associateEntityType xsi:nil="true"\/><associateParentEntity xsi:nil="true"\/><childRelationships>/);
    const global = results(await soap('describeGlobal', ''))[0] ?? {};
    expect(global['maxBatchSize']).toBe('200');
    expect((global['sobjects'] as Xml[]).map((s) => s['name'])).toEqual(expect.arrayContaining(['Account', 'Contact', 'Lead']));
    const two = results(await soap('describeSObjects', '<urn:sObjectType>Lead</urn:sObjectType><urn:sObjectType>Contact</urn:sObjectType>'));
    expect(two.map((r) => r['name'])).toEqual(['Lead', 'Contact']);
    const unknown = await soap('describeSObject', '<urn:sObjectType>Widget__c</urn:sObjectType>');
    expect(unknown.status).toBe(500);
    expect(unknown.body['faultstring']).toBe("INVALID_TYPE: sObject type 'Widget__c' is not supported.");
  });

  it('serves getUserInfo, getServerTimestamp and describeTabs to jsforce, on an OAuth and a SOAP login session', async () => {
    const info = await ctx.conn.soap.getUserInfo();
    expect(info).toMatchObject({ userId: ctx.emu.identity.userId, organizationId: ctx.emu.identity.orgId, userName: 'admin@ferry.test', userFullName: 'Ferry Admin', organizationMultiCurrency: false, currencySymbol: '$', orgDefaultCurrencyIsoCode: 'USD', sessionSecondsValid: 7200 });
    const soapConn = await soapLogin(ctx.emu, 'rep@ferry.test');
    expect((await soapConn.soap.getUserInfo()).userName).toBe('rep@ferry.test');
    // jsforce spots INVALID_SESSION_ID in the fault, logs in again and repeats the call.
    ctx.emu.controls.expireSessions();
    expect((await soapConn.soap.getUserInfo()).userName).toBe('rep@ferry.test');
    ctx.conn = await oauthLogin(ctx.emu);
    const before = Date.now();
    const { timestamp } = await ctx.conn.soap.getServerTimestamp();
    expect(timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(timestamp) - before)).toBeLessThan(60_000);
    const [sales] = await ctx.conn.soap.describeTabs();
    expect(sales?.label).toBe('Sales');
    expect(sales?.tabs.map((t) => t.sobjectName)).toEqual(expect.arrayContaining(['Account', 'Contact', 'Lead', 'Opportunity']));
  });
});

describe('convertLead', () => {
  async function newLead(fields: Record<string, unknown> = {}): Promise<string> {
    const id = await insert('Lead', { FirstName: 'Ada', LastName: 'Lovelace', Company: 'Analytical Engines', Email: 'ada@engines.test', Phone: '555-0101', City: 'London', LeadSource: 'Web', Industry: 'Technology', ...fields });
    return id;
  }

  it('creates an account, a contact and an opportunity from the lead and marks it converted', async () => {
    const leadId = await newLead();
    const result = await ctx.conn.soap.convertLead({ leadId, convertedStatus: 'Closed - Converted', doNotCreateOpportunity: false, opportunityName: 'Engine deal' });
    expect(result).toMatchObject({ success: true, leadId, errors: [] });
    const account = await ctx.conn.sobject('Account').retrieve(result.accountId ?? '');
    expect(account).toMatchObject({ Name: 'Analytical Engines', BillingCity: 'London', Phone: '555-0101', Industry: 'Technology', OwnerId: ctx.emu.identity.userId });
    const contact = await ctx.conn.sobject('Contact').retrieve(result.contactId ?? '');
    expect(contact).toMatchObject({ FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@engines.test', MailingCity: 'London', LeadSource: 'Web', AccountId: result.accountId });
    const opportunity = await ctx.conn.sobject('Opportunity').retrieve(result.opportunityId ?? '');
    expect(opportunity).toMatchObject({ Name: 'Engine deal', AccountId: result.accountId, StageName: 'Prospecting', LeadSource: 'Web' });
    const lead = await ctx.conn.sobject('Lead').retrieve(leadId);
    expect(lead).toMatchObject({ IsConverted: true, Status: 'Closed - Converted', ConvertedAccountId: result.accountId, ConvertedContactId: result.contactId, ConvertedOpportunityId: result.opportunityId, ConvertedDate: new Date().toISOString().slice(0, 10) });
  });

  it('refuses to convert a lead twice, leaving the first conversion as it was', async () => {
    const leadId = await newLead();
    await ctx.conn.soap.convertLead({ leadId, convertedStatus: 'Closed - Converted', doNotCreateOpportunity: true });
    const again = await ctx.conn.soap.convertLead({ leadId, convertedStatus: 'Closed - Converted', doNotCreateOpportunity: true });
    expect(again).toMatchObject({ success: false, leadId, accountId: null, contactId: null, errors: [{ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead' }] });
    expect(await count('SELECT Id FROM Account')).toBe(1);
    expect(await count('SELECT Id FROM Contact')).toBe(1);
    // A converted lead is read-only through every API.
    const update = results(await soap('update', sObject('Lead', `<urn1:Id>${leadId}</urn1:Id><urn1:Company>Renamed</urn1:Company>`)));
    expect(update[0]?.['errors']).toEqual([{ message: 'cannot reference converted lead', statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD' }]);
    const rest = await raw(ctx.conn, 'PATCH', `/sobjects/Lead/${leadId}`, { Company: 'Renamed' });
    expect(rest.body).toEqual([{ errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] }]);
    expect((await ctx.conn.sobject('Lead').retrieve(leadId)).Company).toBe('Analytical Engines');
  });

  it('folds a lead into an existing account and contact, filling only their empty fields', async () => {
    const accountId = await insert('Account', { Name: 'Existing Co', Industry: 'Banking' });
    const contactId = await insert('Contact', { LastName: 'Byron', AccountId: accountId, LeadSource: 'Phone Inquiry' });
    const leadId = await newLead();
    const [result] = await ctx.conn.soap.convertLead([{ leadId, convertedStatus: 'Closed - Converted', accountId, contactId, doNotCreateOpportunity: true, overwriteLeadSource: true }]);
    expect(result).toMatchObject({ success: true, accountId, contactId, opportunityId: null });
    expect(await ctx.conn.sobject('Account').retrieve(accountId)).toMatchObject({ Name: 'Existing Co', Industry: 'Banking', Phone: '555-0101' });
    expect(await ctx.conn.sobject('Contact').retrieve(contactId)).toMatchObject({ LastName: 'Byron', FirstName: 'Ada', LeadSource: 'Web' });
    expect(await count('SELECT Id FROM Opportunity')).toBe(0);
    expect(await count('SELECT Id FROM Account')).toBe(1);
  });

  it('refuses a status that is not a converted one, and a contact of another account, changing nothing', async () => {
    const leadId = await newLead();
    const status = await ctx.conn.soap.convertLead({ leadId, convertedStatus: 'Working - Contacted', doNotCreateOpportunity: true });
    expect(status).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_STATUS', message: 'invalid convertedStatus: Working - Contacted' }] });
    const contactId = await insert('Contact', { LastName: 'Loose' });
    const accountId = await insert('Account', { Name: 'Other' });
    const mismatch = await ctx.conn.soap.convertLead({ leadId, convertedStatus: 'Closed - Converted', accountId, contactId, doNotCreateOpportunity: true });
    expect(mismatch).toMatchObject({ success: false, errors: [{ statusCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['ContactId'] }] });
    expect(await ctx.conn.sobject('Lead').retrieve(leadId)).toMatchObject({ IsConverted: false, Status: 'Open - Not Contacted', ConvertedAccountId: null });
    expect(await count('SELECT Id FROM Account')).toBe(1);
    expect(await count('SELECT Id FROM Contact')).toBe(1);
  });

});

describe('merge', () => {
  it('merges two accounts into a master: children move, losers go to the bin with MasterRecordId', async () => {
    const [master, loser1, loser2, contact, opportunity, kase] = ctx.emu.controls.seed([
      { attributes: { type: 'Account', referenceId: 'm' }, Name: 'Master', Phone: '555-0000' },
      { attributes: { type: 'Account', referenceId: 'l1' }, Name: 'Dupe 1', Description: 'keep me' },
      { attributes: { type: 'Account', referenceId: 'l2' }, Name: 'Dupe 2' },
      { attributes: { type: 'Contact' }, LastName: 'Moved', AccountId: '@l1' },
      { attributes: { type: 'Opportunity' }, Name: 'Moved deal', StageName: 'Prospecting', CloseDate: '2030-01-01', AccountId: '@l2' },
      { attributes: { type: 'Case' }, Subject: 'Moved case', AccountId: '@l1' },
    ]).map((r) => r.id ?? '');
    const masterRecord = { type: 'Account', Id: master, Description: 'keep me' };
    const result = await ctx.conn.soap.merge({ masterRecord, recordToMergeIds: [loser1 ?? '', loser2 ?? ''] });
    expect(result).toMatchObject({ success: true, id: master, errors: [] });
    expect(result.mergedRecordIds).toEqual([loser1, loser2]);
    expect([...result.updatedRelatedIds].sort()).toEqual([contact, opportunity, kase].sort());
    expect(await ctx.conn.sobject('Account').retrieve(master ?? '')).toMatchObject({ Name: 'Master', Description: 'keep me', Phone: '555-0000' });
    const moved = await ctx.conn.query<{ AccountId: string }>('SELECT AccountId FROM Contact');
    expect(moved.records.map((r) => r.AccountId)).toEqual([master]);
    expect((await ctx.conn.sobject('Opportunity').retrieve(opportunity ?? '')).AccountId).toBe(master);
    expect((await ctx.conn.sobject('Case').retrieve(kase ?? '')).AccountId).toBe(master);
    const binned = (await raw(ctx.conn, 'GET', `/queryAll?q=${encodeURIComponent('SELECT IsDeleted, MasterRecordId FROM Account ORDER BY Name')}`)).body as { records: { IsDeleted: boolean; MasterRecordId: string | null }[] };
    expect(binned.records.map((r) => [r.IsDeleted, r.MasterRecordId])).toEqual([
      [true, master],
      [true, master],
      [false, null],
    ]);
  });

  it('refuses more than two records, an Opportunity merge and a deleted record, changing nothing', async () => {
    const ids = ctx.emu.controls.seed(['M', 'A', 'B', 'C'].map((n) => ({ attributes: { type: 'Contact' }, LastName: n }))).map((r) => r.id ?? '');
    const [master = '', ...others] = ids;
    const tooMany = await ctx.conn.soap.merge({ masterRecord: { type: 'Contact', Id: master }, recordToMergeIds: others });
    expect(tooMany).toMatchObject({ success: false, errors: [{ statusCode: 'LIMIT_EXCEEDED' }] });
    const [opp1, opp2] = ctx.emu.controls.seed([1, 2].map((n) => ({ attributes: { type: 'Opportunity' }, Name: `O${n}`, StageName: 'Prospecting', CloseDate: '2030-01-01' }))).map((r) => r.id ?? '');
    const opportunities = await failure(ctx.conn.soap.merge({ masterRecord: { type: 'Opportunity', Id: opp1 }, recordToMergeIds: [opp2 ?? ''] }));
    expect(opportunities.message).toBe('INVALID_TYPE_FOR_OPERATION: entity type does not support merge');
    await ctx.conn.sobject('Contact').destroy(others[0] ?? '');
    // The WSDL's own element name, `request`, as a raw envelope: the failed MergeResult's shape.
    const deleted = await soap('merge', `<urn:request><urn:masterRecord><urn1:type>Contact</urn1:type><urn1:Id>${master}</urn1:Id><urn1:LastName>Renamed</urn1:LastName></urn:masterRecord><urn:recordToMergeIds>${others[1] ?? ''}</urn:recordToMergeIds><urn:recordToMergeIds>${others[0] ?? ''}</urn:recordToMergeIds></urn:request>`);
    expect(results(deleted)).toEqual([{ errors: [{ message: 'entity is deleted', statusCode: 'ENTITY_IS_DELETED' }], id: master, success: 'false' }]);
    const live = await ctx.conn.query<{ LastName: string }>('SELECT LastName FROM Contact ORDER BY LastName');
    expect(live.records.map((r) => r.LastName)).toEqual(['B', 'C', 'M']);
    expect(await count('SELECT Id FROM Opportunity')).toBe(2);
  });
});
