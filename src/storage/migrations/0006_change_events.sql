-- Change Data Capture (issue 9): which reader an integration uses and why, where its stream
-- stands, and the change events received but not applied yet; and which side changed a record last.
ALTER TABLE incoming_cursors DROP CONSTRAINT incoming_cursors_mode_check;
ALTER TABLE incoming_cursors ADD CONSTRAINT incoming_cursors_mode_check CHECK (mode IN ('polling', 'cdc'));
-- Why this reader: detected from the org's Change Data Capture selection, or chosen.
ALTER TABLE incoming_cursors ADD COLUMN reason text;
-- The integration's reader setting this was decided for (auto, cdc, polling).
ALTER TABLE incoming_cursors ADD COLUMN setting text;
ALTER TABLE incoming_cursors ADD COLUMN detected_at timestamptz;
-- CDC: the replay id of the last event stored in incoming_events (moved in the same transaction).
ALTER TABLE incoming_cursors ADD COLUMN replay_id bigint;
-- Changes may have been made that no stored event covers (the stream began, or resumed after
-- its position left the org's retention, or an overflow event): the next run re-reads the
-- object from the (SystemModstamp, Id) cursor before it applies events.
ALTER TABLE incoming_cursors ADD COLUMN catch_up_since timestamptz;
ALTER TABLE incoming_cursors ADD COLUMN catch_up_reason text;
-- The worker holding the subscription (one per integration across every worker process).
ALTER TABLE incoming_cursors ADD COLUMN stream_worker_id uuid;
ALTER TABLE incoming_cursors ADD COLUMN stream_connected_at timestamptz;

-- Change events stored as they arrive, applied (and deleted) by incoming runs, one record per
-- transaction, in replay order.
CREATE TABLE incoming_events (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  integration_id  uuid NOT NULL,
  object          text NOT NULL,
  replay_id       bigint NOT NULL,
  header          jsonb NOT NULL,
  payload         jsonb NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, integration_id, object, replay_id)
);

-- An object re-read from its cursor (after an overflow event or lost retention) is logged too.
ALTER TABLE sync_log DROP CONSTRAINT sync_log_outcome_check;
ALTER TABLE sync_log ADD CONSTRAINT sync_log_outcome_check CHECK (outcome IN ('applied', 'echo', 'unchanged', 'conflict', 'ignored', 'refused', 'failed', 'reread'));

-- Which side made a record's latest change: 'Ferry' (API, import) or 'Salesforce' (read back by an
-- integration). NULL on rows written before: Ferry's.
ALTER TABLE records ADD COLUMN last_system text CHECK (last_system IN ('Ferry', 'Salesforce'));

-- The Salesforce record an event is about (a change read back that Ferry refused), and the records
-- a run that retries such events re-reads.
ALTER TABLE events ADD COLUMN salesforce_id text;
ALTER TABLE runs ADD COLUMN salesforce_ids text[];
