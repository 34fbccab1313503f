-- Imports (the catalogue, reference data): every Salesforce record an import integration may have
-- written, by object and key (its Ferry_Id__c), with its Salesforce Id and the hash of what was
-- sent. A row is saved before its record is sent (salesforce_id NULL: sent, answer not recorded),
-- so a record a crash left in Salesforce unrecorded is still found and retired when it goes from
-- Ferry. hash 'retired': deactivated in Salesforce (products and price book entries are kept).
CREATE TABLE import_rows (
  org_id             uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  integration_id     uuid NOT NULL,
  object             text NOT NULL,
  key                text NOT NULL,
  salesforce_org_id  text NOT NULL,
  salesforce_id      text,
  hash               text NOT NULL,
  entity             text NOT NULL,
  entity_id          uuid NOT NULL,
  synced_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, integration_id, object, key)
);

-- Where a long run stands while it works (an import: which object, how many of how many), and
-- what it did per object once done.
ALTER TABLE runs ADD COLUMN progress jsonb;
