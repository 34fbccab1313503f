-- Worker processes announce themselves and beat every few seconds. A lease or a run held by a
-- worker that stopped beating (killed, machine lost) is taken over within seconds, not when the
-- lease expires.
CREATE TABLE workers (
  id            uuid PRIMARY KEY,
  hostname      text NOT NULL,
  pid           integer NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE integrations ADD COLUMN lease_worker_id uuid;
ALTER TABLE runs ADD COLUMN worker_id uuid;
CREATE INDEX runs_started ON runs (worker_id) WHERE status = 'STARTED';
CREATE INDEX runs_waiting ON runs (created_at) WHERE status = 'WAITING';

-- Written before a parent's children (bill line items) are sent, removed once the parent's link
-- records them: after a crash between the two, the next delivery knows which children may exist
-- in Salesforce without Ferry holding their ids, and deletes those a regeneration dropped.
CREATE TABLE delivery_intents (
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  integration_id  uuid NOT NULL,
  entity          text NOT NULL,
  entity_id       uuid NOT NULL,
  child_keys      jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, integration_id, entity, entity_id)
);
