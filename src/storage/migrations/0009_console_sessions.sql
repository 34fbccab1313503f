-- Console sessions: signing in to the console with an API key opens one; the browser holds only
-- a random token in an HttpOnly cookie, and the table holds its SHA-256 hash. A session lives
-- while its key does: revoking the key ends every session opened with it.
CREATE TABLE console_sessions (
  token_hash  text PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  api_key_id  uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
