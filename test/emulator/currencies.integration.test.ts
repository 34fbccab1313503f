// The emulator as a multi-currency org (EUR corporate, USD, JPY) and as a single-currency one,
// seen through jsforce and the partner SOAP login.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY, runEmulatorCommand, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { failure, PASSWORD, raw, useEmulator } from './support.ts';

const CATALOGUE = fileURLToPath(new URL('./fixtures/catalogue', import.meta.url));
const EVENTS = fileURLToPath(new URL('./fixtures/sfdx', import.meta.url));

const multi = useEmulator({ sfdxProjects: [CATALOGUE, EVENTS], currencies: ['EUR', 'USD', 'JPY'] });
const single = useEmulator({ sfdxProjects: [CATALOGUE], currencies: ['GBP'] });

/** The userInfo part of a partner SOAP login's answer. */
async function soapUserInfo(emu: RunningEmulator): Promise<string> {
  const body = `<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login><urn:username>${DEFAULT_IDENTITY.username}</urn:username><urn:password>${PASSWORD}</urn:password></urn:login></soapenv:Body></soapenv:Envelope>`;
  const res = await fetch(`${emu.url}/services/Soap/u/60.0`, { method: 'POST', headers: { 'Content-Type': 'text/xml', SOAPAction: 'login' }, body });
  expect(res.status).toBe(200);
  return /<userInfo>([\s\S]*)<\/userInfo>/.exec(await res.text())?.[1] ?? '';
}

describe('a multi-currency org', () => {
  it('gives every stored object a restricted CurrencyIsoCode of the active currencies, and platform events none', async () => {
    for (const name of ['Account', 'Opportunity', 'Product2', 'Pricebook2', 'PricebookEntry', 'User', 'Catalogue_Feature__c', 'Catalogue_Setting__c']) {
      const field = (await multi.conn.describe(name)).fields.find((f) => f.name === 'CurrencyIsoCode');
      expect(field, name).toMatchObject({ type: 'picklist', label: 'Currency ISO Code', length: 3, restrictedPicklist: true, defaultedOnCreate: true, nillable: false, createable: true });
      expect(field?.picklistValues?.map((p) => [p.value, p.defaultValue])).toEqual([['EUR', true], ['USD', false], ['JPY', false]]);
    }
    expect((await multi.conn.describe('Ferry_Test_Event__e')).fields.map((f) => f.name)).not.toContain('CurrencyIsoCode');
    expect((await multi.conn.describe('OpportunityLineItem')).fields.find((f) => f.name === 'CurrencyIsoCode')).toMatchObject({ createable: false, updateable: false });
  });

  it("creates a record in the creator's currency, the corporate one, unless it names another active currency", async () => {
    const euro = await multi.conn.sobject('Account').create({ Name: 'Paris' });
    const dollar = await multi.conn.sobject('Account').create({ Name: 'Boston', CurrencyIsoCode: 'USD' });
    const rows = await multi.conn.query<{ Name: string; CurrencyIsoCode: string }>(`SELECT Name, CurrencyIsoCode FROM Account WHERE Id IN ('${euro.id ?? ''}', '${dollar.id ?? ''}') ORDER BY Name`);
    expect(rows.records.map((r) => [r.Name, r.CurrencyIsoCode])).toEqual([['Boston', 'USD'], ['Paris', 'EUR']]);
    await multi.conn.sobject('Account').update({ Id: euro.id ?? '', CurrencyIsoCode: 'JPY' });
    expect((await multi.conn.sobject('Account').retrieve(euro.id ?? ''))['CurrencyIsoCode']).toBe('JPY');
  });

  it('refuses a currency the org has not activated', async () => {
    const res = await raw(multi.conn, 'POST', '/sobjects/Account', { Name: 'London', CurrencyIsoCode: 'GBP' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual([{ message: 'Currency ISO Code: invalid currency code: GBP', errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['CurrencyIsoCode'] }]);
    const product = await multi.conn.sobject('Product2').create({ Name: 'Widget' });
    const update = await failure(multi.conn.sobject('Product2').update({ Id: product.id ?? '', CurrencyIsoCode: 'usd' }));
    expect(update.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  });

  it('lists its currencies in CurrencyType, the corporate one at rate 1', async () => {
    const rows = await multi.conn.query<{ IsoCode: string; ConversionRate: number; DecimalPlaces: number; IsActive: boolean; IsCorporate: boolean }>(
      'SELECT IsoCode, ConversionRate, DecimalPlaces, IsActive, IsCorporate FROM CurrencyType ORDER BY IsoCode',
    );
    expect(rows.records.map(({ IsoCode, ConversionRate, DecimalPlaces, IsActive, IsCorporate }) => ({ IsoCode, ConversionRate, DecimalPlaces, IsActive, IsCorporate }))).toEqual([
      { IsoCode: 'EUR', ConversionRate: 1, DecimalPlaces: 2, IsActive: true, IsCorporate: true },
      { IsoCode: 'JPY', ConversionRate: 1, DecimalPlaces: 0, IsActive: true, IsCorporate: false },
      { IsoCode: 'USD', ConversionRate: 1, DecimalPlaces: 2, IsActive: true, IsCorporate: false },
    ]);
    const usd = (await multi.conn.query<{ Id: string }>("SELECT Id FROM CurrencyType WHERE IsoCode = 'USD'")).records[0]?.Id ?? '';
    await multi.conn.sobject('CurrencyType').update({ Id: usd, ConversionRate: 1.08 });
    expect((await multi.conn.sobject('CurrencyType').retrieve(usd))['ConversionRate']).toBe(1.08);
    expect((await failure(multi.conn.sobject('CurrencyType').destroy(usd))).errorCode).toBe('INVALID_TYPE');
  });

  it("reports multi-currency at SOAP login with the user's currency, and the corporate one on the Organization", async () => {
    const info = await soapUserInfo(multi.emu);
    expect(info).toContain('<organizationMultiCurrency>true</organizationMultiCurrency>');
    expect(info).toContain('<userDefaultCurrencyIsoCode>EUR</userDefaultCurrencyIsoCode>');
    expect(info).toContain('<orgDefaultCurrencyIsoCode xsi:nil="true"/>');
    expect(info).toContain('<currencySymbol xsi:nil="true"/>');
    const organization = await multi.conn.query<{ DefaultCurrencyIsoCode: string }>('SELECT DefaultCurrencyIsoCode FROM Organization');
    expect(organization.records[0]?.DefaultCurrencyIsoCode).toBe('EUR');
    const user = await multi.conn.sobject('User').retrieve(multi.emu.identity.userId);
    expect(user).toMatchObject({ DefaultCurrencyIsoCode: 'EUR', CurrencyIsoCode: 'EUR' });
    expect(multi.emu.identity.currencies).toEqual(['EUR', 'USD', 'JPY']);
  });

  it("prices an opportunity product in its opportunity's currency only", async () => {
    const product = (await multi.conn.sobject('Product2').create({ Name: 'Seat' })).id ?? '';
    const standard = (await multi.conn.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records[0]?.Id ?? '';
    const dollars = (await multi.conn.sobject('PricebookEntry').create({ Pricebook2Id: standard, Product2Id: product, UnitPrice: 10, IsActive: true, CurrencyIsoCode: 'USD' })).id ?? '';
    const euros = (await multi.conn.sobject('PricebookEntry').create({ Pricebook2Id: standard, Product2Id: product, UnitPrice: 9, IsActive: true })).id ?? '';
    const opportunity = (await multi.conn.sobject('Opportunity').create({ Name: 'Deal', StageName: 'Prospecting', CloseDate: '2026-06-30' })).id ?? '';
    const wrong = await raw(multi.conn, 'POST', '/sobjects/OpportunityLineItem', { OpportunityId: opportunity, PricebookEntryId: dollars, Quantity: 1, UnitPrice: 10 });
    expect(wrong.body).toEqual([
      { message: 'field integrity exception: PricebookEntryId (pricebook entry currency code does not match opportunity currency code)', errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['PricebookEntryId'] },
    ]);
    const line = (await multi.conn.sobject('OpportunityLineItem').create({ OpportunityId: opportunity, PricebookEntryId: euros, Quantity: 1, UnitPrice: 9 })).id ?? '';
    expect((await multi.conn.sobject('OpportunityLineItem').retrieve(line))['CurrencyIsoCode']).toBe('EUR');
  });
});

describe('a single-currency org', () => {
  it('has no CurrencyIsoCode fields and no CurrencyType, and reports its currency at SOAP login and on the Organization', async () => {
    expect((await single.conn.describe('Account')).fields.map((f) => f.name)).not.toContain('CurrencyIsoCode');
    expect((await single.conn.describeGlobal()).sobjects.map((o) => o.name)).not.toContain('CurrencyType');
    expect((await failure(single.conn.query('SELECT IsoCode FROM CurrencyType'))).errorCode).toBe('INVALID_TYPE');
    const written = await raw(single.conn, 'POST', '/sobjects/Account', { Name: 'x', CurrencyIsoCode: 'GBP' });
    expect(written.body).toEqual([{ message: "No such column 'CurrencyIsoCode' on sobject of type Account", errorCode: 'INVALID_FIELD', fields: [] }]);
    const info = await soapUserInfo(single.emu);
    expect(info).toContain('<organizationMultiCurrency>false</organizationMultiCurrency>');
    expect(info).toContain('<orgDefaultCurrencyIsoCode>GBP</orgDefaultCurrencyIsoCode>');
    expect(info).toContain('<currencySymbol>£</currencySymbol>');
    expect(info).toContain('<userDefaultCurrencyIsoCode xsi:nil="true"/>');
    const organization = await single.conn.query<{ DefaultCurrencyIsoCode: string }>('SELECT DefaultCurrencyIsoCode FROM Organization');
    expect(organization.records[0]?.DefaultCurrencyIsoCode).toBe('GBP');
  });

  it('runs as a multi-currency org from the command line, and refuses a currency list it cannot read', async () => {
    let output = '';
    const controller = new AbortController();
    let printed: () => void = () => undefined;
    const identityPrinted = new Promise<void>((resolve) => (printed = resolve));
    const exit = runEmulatorCommand({ port: 0, host: '127.0.0.1', signal: controller.signal, currencies: 'usd, EUR', write: (text) => ((output += text), printed()) });
    await identityPrinted;
    expect(output).toContain('currencies     USD, EUR (multi-currency; corporate first)');
    controller.abort();
    expect(await exit).toBe(0);
    let refused = '';
    expect(await runEmulatorCommand({ port: 0, currencies: 'USD,EURO', write: (text) => (refused += text) })).toBe(2);
    expect(refused).toContain('emulator currencies must be ISO 4217 codes such as USD or EUR: EURO');
  });

  it('refuses a currency list that is not ISO codes, each once', async () => {
    await expect(startEmulator({ port: 0, currencies: ['usd', 'EURO'] })).rejects.toThrow('emulator currencies must be ISO 4217 codes such as USD or EUR: usd, EURO');
    await expect(startEmulator({ port: 0, currencies: ['USD', 'EUR', 'USD'] })).rejects.toThrow('emulator currencies are listed twice: USD');
  });
});
