import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { resultRows, toBulkCsv } from './client.ts';

describe('toBulkCsv', () => {
  it('gives every row every column: absent is empty, null is #N/A', () => {
    const csv = toBulkCsv([{ Name: 'A', Bill__c: 'a01' }, { Name: 'B', Memo__c: null }]);
    expect(csv).toBe('Name,Bill__c,Memo__c\nA,a01,\nB,,#N/A\n');
  });

  it('names a parent by external id as a dotted column, dropping attributes', () => {
    const csv = toBulkCsv([{ Name: 'A', Account__r: { attributes: { type: 'Account' }, Ferry_Id__c: 'acc-1' } }]);
    expect(csv).toBe('Name,Account__r.Ferry_Id__c\nA,acc-1\n');
  });

  it('writes booleans as true/false and numbers as they are', () => {
    expect(toBulkCsv([{ Paid__c: true, Locked__c: false, Amount__c: 12.5 }])).toBe('Paid__c,Locked__c,Amount__c\ntrue,false,12.5\n');
  });

  it('quotes what needs quoting, and a CSV parser reads back the same values', () => {
    const records = [{ Name: 'Smith, "Jo"', Description: 'line one\nline two', Code__c: ' padded ' }];
    const [row] = parse<Record<string, string>>(toBulkCsv(records), { columns: true });
    expect(row).toEqual(records[0]);
  });
});

describe('resultRows', () => {
  it('keeps only the named columns of a result file, quoted values and all', () => {
    const text = 'sf__Id,sf__Created,Name,Ferry_Id__c,Description\n001A,true,"Smith, Jo",f-1,"two\nlines"\n001B,false,B,f-2,\n';
    expect(resultRows(text, ['sf__Id', 'sf__Created', 'Ferry_Id__c'])).toEqual([
      { sf__Id: '001A', sf__Created: 'true', Ferry_Id__c: 'f-1' },
      { sf__Id: '001B', sf__Created: 'false', Ferry_Id__c: 'f-2' },
    ]);
  });

  it('reads an empty result file as no rows', () => {
    expect(resultRows('', ['sf__Id'])).toEqual([]);
    expect(resultRows('sf__Error,Ferry_Id__c\n', ['sf__Error', 'Ferry_Id__c'])).toEqual([]);
  });
});
