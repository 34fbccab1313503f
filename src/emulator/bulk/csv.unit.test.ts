import { describe, expect, it } from 'vitest';
import { parseCsv, rowToRecord, toCsv } from './csv.ts';

describe('bulk CSV', () => {
  it('parses quoted cells with commas, quotes and newlines', () => {
    const parsed = parseCsv('Name,Description\n"Acme, Inc.","He said ""hi""\nthen left"\n', ',');
    expect(parsed.header).toEqual(['Name', 'Description']);
    expect(parsed.rows).toEqual([['Acme, Inc.', 'He said "hi"\nthen left']]);
  });

  it('maps #N/A to null, skips empty cells and nests relationship columns', () => {
    const record = rowToRecord(['Name', 'Phone', 'Fax', 'Account__r.Ferry_Id__c'], ['Acme', '#N/A', '', 'cust-1']);
    expect(record).toEqual({ Name: 'Acme', Phone: null, Account__r: { Ferry_Id__c: 'cust-1' } });
  });

  it('turns #N/A in a relationship column into a null key, and a type prefix into attributes', () => {
    expect(rowToRecord(['LastName', 'Account.Ferry_Id__c'], ['Lee', '#N/A'])).toEqual({ LastName: 'Lee', Account: { Ferry_Id__c: null } });
    expect(rowToRecord(['Subject', 'Account:What.Ferry_Id__c'], ['S', 'cust-1'])).toEqual({ Subject: 'S', What: { attributes: { type: 'Account' }, Ferry_Id__c: 'cust-1' } });
  });

  it('puts two columns of one relationship into one reference, for the store to refuse', () => {
    expect(rowToRecord(['Account.Ferry_Id__c', 'Account.Id'], ['cust-1', '001000000000001AAA'])).toEqual({ Account: { Ferry_Id__c: 'cust-1', Id: '001000000000001AAA' } });
  });

  it('writes CSV that parses back to the same cells', () => {
    const text = toCsv(['sf__Id', 'sf__Created', 'Name'], [['001', true, 'A "quoted", name']]);
    expect(parseCsv(text, ',').rows).toEqual([['001', 'true', 'A "quoted", name']]);
  });

  it('uses the job column delimiter and line ending', () => {
    const text = toCsv(['a', 'b'], [['1', '2']], '|', 'CRLF');
    expect(text).toBe('"a"|"b"\r\n"1"|"2"\r\n');
  });
});
