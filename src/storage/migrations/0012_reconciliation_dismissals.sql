-- A difference a person dismissed in a reconciliation report: remembered for its group (the
-- records on each side) and field until one of the values changes (values_hash no longer equal).
CREATE TABLE reconciliation_dismissals (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  integration_id  uuid NOT NULL,
  group_key       text NOT NULL,
  field           text NOT NULL,
  values_hash     text NOT NULL,
  dismissed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, integration_id, group_key, field)
);
