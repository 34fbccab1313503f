-- Retention (issue 14): old journal entries, runs, events, request logs and sync log rows are
-- pruned in small batches (src/engine/retention). Each table is walked by age through an index, so
-- a batch reads only the rows it may remove (and the few old ones it keeps), never the whole table.
CREATE INDEX journal_org_at ON journal (org_id, at, seq);
CREATE INDEX runs_created ON runs (created_at, id);
CREATE INDEX events_created ON events (created_at, id);
CREATE INDEX request_logs_created ON request_logs (created_at, id);
CREATE INDEX sync_log_at ON sync_log (at, id);

-- Journal entries an integration had not sent were pruned while it did not hold the journal
-- (disabled, or only reading from Salesforce): {"since": the time of the oldest such entry,
-- "prunedAt"}. Its next delivery is a full pass (records that differ from what was last sent, and
-- the records deleted since then), which clears it.
ALTER TABLE integrations ADD COLUMN journal_gap jsonb;

-- Per organization, the newest journal entry pruning removed: a follower of GET /changes whose
-- position is below it may have missed changes.
CREATE TABLE journal_pruned (
  org_id        uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  through_seq   bigint NOT NULL,
  pruned_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per pruning (scheduled or on demand): what it removed per table, and what held the
-- journal back. The newest 100 are kept.
CREATE TABLE prunings (
  id           uuid PRIMARY KEY,
  trigger      text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  removed      jsonb NOT NULL DEFAULT '{}',
  held         jsonb NOT NULL DEFAULT '[]',
  error        text
);
