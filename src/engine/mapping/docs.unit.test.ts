import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCS_END, DOCS_START, defaultMappingTables, withDefaultMappingTables } from './docs.ts';

describe('docs/salesforce.md default mapping tables', () => {
  it('match the default mappings (run `npm run docs:mappings` after changing them)', () => {
    const document = readFileSync(new URL('../../../docs/salesforce.md', import.meta.url), 'utf8');
    expect(document).toContain(DOCS_START);
    expect(document).toContain(DOCS_END);
    expect(withDefaultMappingTables(document)).toBe(document);
  });

  it('lists every default rule of every entity type', () => {
    const tables = defaultMappingTables();
    expect(tables).toContain('| Ferry_Bill_Line_Item__c | Bill__c | `id` → the bill\'s Salesforce record (required) | lookup | to_salesforce |');
    expect(tables).toContain('| Contact | Email | contact point `email` (contact type any) | contact_point | to_salesforce |');
  });
});
