-- Incoming sync at scale (an initial load of 100,000 records): a lookup read back finds the Ferry
-- record linked to a Salesforce id by any integration of the organization (the Contact's
-- AccountId), and the Salesforce records still waiting for Ferry's id are found without walking
-- every link of the integration.
CREATE INDEX links_entity_salesforce_id ON links (org_id, entity, salesforce_id);
CREATE INDEX links_key_pending ON links (org_id, integration_id, entity_id) WHERE key_pending;
-- When incoming sync last read the link's Salesforce record: a full read (incoming_full) settles
-- the links it did not meet (their Salesforce record deleted, or gone from the recycle bin).
ALTER TABLE links ADD COLUMN read_at timestamptz;
-- The last time a worker found the object's change event stream connected: with polled_at, how
-- long incoming sync has not been reading (longer than the recycle bin keeps deletes: say so).
ALTER TABLE incoming_cursors ADD COLUMN stream_alive_at timestamptz;
