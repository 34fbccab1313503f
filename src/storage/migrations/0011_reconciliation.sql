-- Reconciliation (issue 13): an integration of entity type Reconciliation keeps its configuration
-- in integrations.reconciliation; its file source in reconciliation_files; a run stages the three
-- sides in reconciliation_rows (emptied when it ends) and writes its report to
-- reconciliation_reports and reconciliation_items. The previous report stays until a run completes.
ALTER TABLE integrations ADD COLUMN reconciliation jsonb;

CREATE TABLE reconciliation_files (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  integration_id  uuid NOT NULL,
  format          text NOT NULL CHECK (format IN ('csv', 'jsonl')),
  content         text NOT NULL,
  bytes           integer NOT NULL,
  uploaded_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, integration_id)
);

CREATE TABLE reconciliation_rows (
  org_id         uuid NOT NULL,
  run_id         uuid NOT NULL,
  side           text NOT NULL CHECK (side IN ('salesforce', 'ferry', 'source')),
  record_id      text NOT NULL,
  -- The Salesforce Account Id the record names (a Salesforce record: its own Id).
  salesforce_id  text,
  -- The billing tool's customer id the record names (a source record: its own).
  source_id      text,
  name           text,
  fields         jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (org_id, run_id, side, record_id)
);
CREATE INDEX reconciliation_rows_salesforce ON reconciliation_rows (org_id, run_id, side, salesforce_id);
CREATE INDEX reconciliation_rows_source ON reconciliation_rows (org_id, run_id, side, source_id);

CREATE TABLE reconciliation_reports (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  run_id          uuid NOT NULL,
  integration_id  uuid NOT NULL,
  summary         jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, run_id)
);
CREATE INDEX reconciliation_reports_integration ON reconciliation_reports (org_id, integration_id, run_id);

CREATE TABLE reconciliation_items (
  org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  run_id         uuid NOT NULL,
  n              integer NOT NULL,
  category       text NOT NULL,
  ferry_id       text,
  salesforce_id  text,
  source_id      text,
  name           text,
  -- duplicate: which side and key, and the records that share it.
  detail         jsonb,
  -- matched records: [{field, ferry, salesforce, source}] where they differ.
  differences    jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (org_id, run_id, n)
);
CREATE INDEX reconciliation_items_category ON reconciliation_items (org_id, run_id, category, n);
