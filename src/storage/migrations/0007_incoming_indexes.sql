-- Incoming sync at scale (an initial load of 100,000 records): a lookup read back finds the Ferry
-- record linked to a Salesforce id by any integration of the organization (the Contact's
-- AccountId), and the Salesforce records still waiting for Ferry's id are found without walking
-- every link of the integration.
CREATE INDEX links_entity_salesforce_id ON links (org_id, entity, salesforce_id);
CREATE INDEX links_key_pending ON links (org_id, integration_id, entity_id) WHERE key_pending;
