-- Secrets of an integration's own settings, sealed like credentials' (AES-256-GCM): the headers a
-- reconciliation's HTTPS source sends. Never returned by the API.
ALTER TABLE integrations ADD COLUMN sealed_secrets text;
