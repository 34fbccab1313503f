-- Field mappings as data: the integration's rules, or NULL for its entity type's default mapping.
ALTER TABLE integrations ADD COLUMN mapping jsonb;
