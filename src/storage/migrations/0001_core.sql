-- Organizations, API keys, the billing-entity store and the change journal.

CREATE TABLE organizations (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  is_default  boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_one_default ON organizations (is_default) WHERE is_default;

-- Keys are stored as SHA-256 hashes: they are long random strings, so a slow hash adds nothing,
-- and a lookup by hash stays one index probe per request.
CREATE TABLE api_keys (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  key_hash    text NOT NULL UNIQUE,
  key_prefix  text NOT NULL,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX api_keys_org ON api_keys (org_id);

-- One table serves every billing entity: the entity's zod schema shapes `data`, and the few
-- columns beside it are the ones Ferry filters, joins or enforces uniqueness on.
CREATE TABLE records (
  org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  entity      text NOT NULL,
  id          uuid NOT NULL,
  version     integer NOT NULL,
  -- The natural key (code, bill number, e-mail, or the caller's externalKey): unique among live rows.
  key         text,
  account_id  uuid,
  parent_id   uuid,
  data        jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  deleted_at  timestamptz,
  PRIMARY KEY (org_id, entity, id)
);
CREATE UNIQUE INDEX records_live_key ON records (org_id, entity, key) WHERE key IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX records_account ON records (org_id, entity, account_id, id) WHERE account_id IS NOT NULL;
CREATE INDEX records_parent ON records (org_id, entity, parent_id, id) WHERE parent_id IS NOT NULL;
CREATE INDEX records_updated ON records (org_id, entity, updated_at, id);

-- The change journal: the spine outbound sync follows by cursor. Sequences are handed out under a
-- per-organization transaction lock taken just before commit, so for one organization the order of
-- `seq` is the order of commits and a reader that follows `seq` never skips a late committer.
CREATE TABLE journal (
  seq             bigserial PRIMARY KEY,
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  entity          text NOT NULL,
  entity_id       uuid NOT NULL,
  operation       text NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
  version         integer NOT NULL,
  origin          text NOT NULL,
  changed_fields  text[] NOT NULL,
  at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journal_org_seq ON journal (org_id, seq);
CREATE INDEX journal_org_entity ON journal (org_id, entity, entity_id, seq);
