-- Salesforce credentials, integrations, their runs, events, request logs and links.

CREATE TABLE credentials (
  org_id              uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  id                  uuid NOT NULL,
  name                text NOT NULL,
  type                text NOT NULL,
  login_url           text NOT NULL,
  -- Non-secret settings (username, client id, instance URL, redirect URI).
  settings            jsonb NOT NULL,
  -- Secrets (password, security token, client secret, private key, tokens), sealed with AES-256-GCM.
  sealed_secrets      text NOT NULL,
  status              text NOT NULL,
  salesforce_org_id   text,
  salesforce_user_id  text,
  instance_url        text,
  last_tested_at      timestamptz,
  last_error          jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);

CREATE TABLE integrations (
  org_id              uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  id                  uuid NOT NULL,
  name                text NOT NULL,
  entity_type         text NOT NULL,
  destination         text NOT NULL DEFAULT 'salesforce',
  credential_id       uuid,
  enabled             boolean NOT NULL DEFAULT true,
  settings            jsonb NOT NULL,
  trigger             jsonb NOT NULL,
  delivery            jsonb NOT NULL,
  error_threshold     integer NOT NULL DEFAULT 10,
  consecutive_errors  integer NOT NULL DEFAULT 0,
  disabled_at         timestamptz,
  disabled_reason     text,
  -- The Salesforce org this integration first delivered to: connecting it to another is refused
  -- until its links are purged on purpose.
  salesforce_org_id   text,
  -- The journal sequence up to which changes have been delivered (the watermark).
  cursor_seq          bigint NOT NULL DEFAULT 0,
  paused_until        timestamptz,
  next_run_at         timestamptz,
  last_run_at         timestamptz,
  -- A lease so that one integration never runs twice at once, across every worker process.
  lease_run_id        uuid,
  lease_until         timestamptz,
  version             integer NOT NULL DEFAULT 1,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, credential_id) REFERENCES credentials (org_id, id)
);
CREATE INDEX integrations_due ON integrations (next_run_at) WHERE enabled AND next_run_at IS NOT NULL;

CREATE TABLE runs (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  integration_id  uuid NOT NULL,
  trigger         text NOT NULL,
  mode            text NOT NULL,
  status          text NOT NULL,
  replay_of       uuid,
  record_ids      uuid[],
  from_seq        bigint,
  to_seq          bigint,
  sent            integer NOT NULL DEFAULT 0,
  created         integer NOT NULL DEFAULT 0,
  updated         integer NOT NULL DEFAULT 0,
  skipped         integer NOT NULL DEFAULT 0,
  deleted         integer NOT NULL DEFAULT 0,
  failed          integer NOT NULL DEFAULT 0,
  error           jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX runs_integration ON runs (org_id, integration_id, id);

CREATE TABLE events (
  org_id              uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  id                  uuid NOT NULL,
  integration_id      uuid NOT NULL,
  run_id              uuid,
  name                text NOT NULL,
  severity            text NOT NULL,
  entity              text,
  entity_id           uuid,
  message             text NOT NULL,
  salesforce_error    jsonb,
  hint                text,
  actioned_at         timestamptz,
  retried_at          timestamptz,
  retry_run_id        uuid,
  created_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX events_integration ON events (org_id, integration_id, id);

CREATE TABLE request_logs (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  integration_id  uuid,
  run_id          uuid,
  credential_id   uuid,
  operation       text NOT NULL,
  method          text NOT NULL,
  object          text,
  records         integer NOT NULL DEFAULT 0,
  status          text NOT NULL,
  http_status     integer,
  duration_ms     integer,
  api_used        integer,
  api_max         integer,
  error           jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX request_logs_integration ON request_logs (org_id, integration_id, id);
CREATE INDEX request_logs_run ON request_logs (org_id, run_id, id);

-- One row per record an integration has delivered: where it went and what was sent, so an
-- unchanged record is skipped and a re-run after a crash upserts instead of duplicating.
CREATE TABLE links (
  org_id              uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  integration_id      uuid NOT NULL,
  entity              text NOT NULL,
  entity_id           uuid NOT NULL,
  salesforce_org_id   text NOT NULL,
  salesforce_object   text NOT NULL,
  salesforce_id       text NOT NULL,
  synced_version      integer NOT NULL,
  synced_hash         text NOT NULL,
  -- Child records delivered with the parent (bill line items): their Salesforce ids by key.
  children            jsonb,
  synced_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, integration_id, entity, entity_id)
);
CREATE INDEX links_entity ON links (org_id, entity, entity_id);

-- An integration asks "any change to my entities past my watermark?": one index probe per entity.
CREATE INDEX journal_org_entity_seq ON journal (org_id, entity, seq);
