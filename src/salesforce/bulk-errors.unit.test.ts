import { describe, expect, it } from 'vitest';
import { parseBulkErrors } from './bulk-errors.ts';

describe('parseBulkErrors (sf__Error of Bulk API 2.0 failedResults)', () => {
  it('keeps a message with colons and dots whole, and reads the field list after it', () => {
    expect(parseBulkErrors('INVALID_FIELD_FOR_INSERT_UPDATE:Unable to create/update fields: Bill__c. Please check the security settings of this field and verify that it is read/write for your profile or permission set.:Bill__c --')).toEqual([
      {
        statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        message: 'Unable to create/update fields: Bill__c. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
        fields: ['Bill__c'],
      },
    ]);
  });

  it('reads an empty field list', () => {
    expect(parseBulkErrors('DUPLICATE_VALUE:duplicate value found: Ferry_Id__c duplicates value on record with id: a0B000000000001AAA:--')).toEqual([
      { statusCode: 'DUPLICATE_VALUE', message: 'duplicate value found: Ferry_Id__c duplicates value on record with id: a0B000000000001AAA', fields: [] },
    ]);
  });

  it('reads several fields and several errors of one row', () => {
    expect(parseBulkErrors('REQUIRED_FIELD_MISSING:Required fields are missing: [Name, Account__c]:Name,Account__c -- STRING_TOO_LONG:Code: data value too large: ABC (max length=2):Code__c --')).toEqual([
      { statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name, Account__c]', fields: ['Name', 'Account__c'] },
      { statusCode: 'STRING_TOO_LONG', message: 'Code: data value too large: ABC (max length=2)', fields: ['Code__c'] },
    ]);
  });

  it('keeps a validation rule text that itself contains the separator', () => {
    expect(parseBulkErrors('FIELD_CUSTOM_VALIDATION_EXCEPTION:Totals must match -- see finance: policy 7:Total__c --')).toEqual([
      { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Totals must match -- see finance: policy 7', fields: ['Total__c'] },
    ]);
  });

  it('keeps text without the closing group whole, and names text without a code UNKNOWN_ERROR', () => {
    expect(parseBulkErrors('UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: 001000000000001AAA')).toEqual([
      { statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record or 1 records: 001000000000001AAA', fields: [] },
    ]);
    expect(parseBulkErrors('something odd: happened')).toEqual([{ statusCode: 'UNKNOWN_ERROR', message: 'something odd: happened', fields: [] }]);
    expect(parseBulkErrors('')).toEqual([{ statusCode: 'UNKNOWN_ERROR', message: 'Bulk API refused the record without a reason', fields: [] }]);
  });
});
