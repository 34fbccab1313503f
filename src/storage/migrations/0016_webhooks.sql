-- Webhook alerts (issue 14): an organization's one optional webhook, and each delivery made to it.
-- The signing secret is sealed like credentials' secrets (AES-256-GCM) and never returned by the API.
CREATE TABLE webhooks (
  org_id                 uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  url                    text NOT NULL,
  sealed_secret          text NOT NULL,
  events                 text[] NOT NULL,
  failed_runs_threshold  integer NOT NULL CHECK (failed_runs_threshold >= 1),
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

-- A row is written before anything is sent, so a process that stops mid-way loses no delivery:
-- pending rows without a job, and sending rows whose claim ran out, are queued again by the
-- minute's tick. claim_id names the sender holding it (until claimed_until); a sender that lost
-- its claim stops.
CREATE TABLE webhook_deliveries (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  type            text NOT NULL,
  integration_id  uuid,
  data            jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  last_status     integer,
  last_error      text,
  claim_id        uuid,
  claimed_until   timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  finished_at     timestamptz,
  PRIMARY KEY (org_id, id)
);
-- What the tick's sweep looks for; the list of recent deliveries walks the primary key backwards.
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (created_at) WHERE status IN ('pending', 'sending');
