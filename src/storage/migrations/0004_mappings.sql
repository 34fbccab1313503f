-- Field mappings as data: the integration's rules, or NULL for its entity type's default mapping.
ALTER TABLE integrations ADD COLUMN mapping jsonb;
-- Why a run skipped records: [{reason, count, recordIds (the first 20)}].
ALTER TABLE runs ADD COLUMN skips jsonb NOT NULL DEFAULT '[]';
