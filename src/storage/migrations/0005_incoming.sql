-- Two-way sync, first part (issue 9): an integration's direction and incoming settings, the merge
-- base of each link, where reading from Salesforce stands, and a log of every synced operation.
ALTER TABLE integrations ADD COLUMN sync jsonb NOT NULL DEFAULT '{}';
-- The organization's master switch for reading Salesforce changes back (every integration).
ALTER TABLE organizations ADD COLUMN incoming_sync boolean NOT NULL DEFAULT true;
-- The last value of each field both sides agreed on (Ferry's terms, by Ferry path): a field is
-- changed on a side when that side's value differs from it.
ALTER TABLE links ADD COLUMN base jsonb;
-- A record Ferry created from (or matched to) a Salesforce record: Ferry's id still has to be
-- written to its Ferry_Id__c before any delivery may upsert by that external id.
ALTER TABLE links ADD COLUMN key_pending boolean NOT NULL DEFAULT false;
CREATE INDEX links_salesforce_id ON links (org_id, integration_id, salesforce_id);

-- How far incoming sync has read an object: the (SystemModstamp, Id) of the last change applied
-- (polling). Moved in the transaction that applies the changes it covers.
CREATE TABLE incoming_cursors (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  integration_id  uuid NOT NULL,
  object          text NOT NULL,
  mode            text NOT NULL CHECK (mode IN ('polling')),
  polled_at       timestamptz,
  modstamp        text,
  record_id       text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, integration_id, object)
);

-- Every incoming and outgoing operation of two-way sync, with what became of it.
CREATE TABLE sync_log (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  integration_id  uuid NOT NULL,
  direction       text NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
  object          text NOT NULL,
  salesforce_id   text,
  entity          text NOT NULL,
  entity_id       uuid,
  changed_fields  text[] NOT NULL DEFAULT '{}',
  outcome         text NOT NULL CHECK (outcome IN ('applied', 'echo', 'unchanged', 'conflict', 'ignored', 'refused', 'failed')),
  reason          text,
  at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX sync_log_integration ON sync_log (org_id, integration_id, id);
CREATE INDEX sync_log_record ON sync_log (org_id, entity_id, id);

-- A field changed on both sides to different values: both values, the base, the policy and what
-- it decided. Held ones wait for a person.
CREATE TABLE conflicts (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  integration_id  uuid NOT NULL,
  entity          text NOT NULL,
  entity_id       uuid NOT NULL,
  salesforce_id   text NOT NULL,
  fields          jsonb NOT NULL,
  policy          text NOT NULL,
  outcome         text NOT NULL CHECK (outcome IN ('ferry', 'salesforce', 'held')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- A held conflict a person settled: when, and the value each field took.
  resolved_at     timestamptz,
  resolution      jsonb,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX conflicts_integration ON conflicts (org_id, integration_id, id);
CREATE INDEX conflicts_held ON conflicts (org_id, integration_id, entity_id) WHERE outcome = 'held' AND resolved_at IS NULL;
