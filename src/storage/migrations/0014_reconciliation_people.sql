-- Reconciliation (issue 13): a run that imports the contacts of matched accounts from Salesforce
-- stages them beside the three sides, on a side of their own.
ALTER TABLE reconciliation_rows DROP CONSTRAINT reconciliation_rows_side_check;
ALTER TABLE reconciliation_rows ADD CONSTRAINT reconciliation_rows_side_check CHECK (side IN ('salesforce', 'ferry', 'source', 'contact'));
