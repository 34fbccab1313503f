-- Reconciliation (issue 13): a run that imports the contacts of matched accounts from Salesforce
-- stages them beside the three sides, on a side of their own. Matching is set-wise into
-- reconciliation_groups.
ALTER TABLE reconciliation_rows DROP CONSTRAINT reconciliation_rows_side_check;
ALTER TABLE reconciliation_rows ADD CONSTRAINT reconciliation_rows_side_check CHECK (side IN ('salesforce', 'ferry', 'source', 'contact'));

-- A run's groups, matched set-wise (hash joins) before they are read back a page at a time to be
-- compared and reported: the record of each side by id. Emptied with the staging rows.
CREATE TABLE reconciliation_groups (
  org_id   uuid NOT NULL,
  run_id   uuid NOT NULL,
  pass     smallint NOT NULL,
  anchor   text NOT NULL,
  sf_id    text,
  f_id     text,
  s_id     text,
  PRIMARY KEY (org_id, run_id, pass, anchor)
);
