-- Fair queueing and resumable full runs (issue 14). A run that used up its time slice while other
-- runs wait ends, and a run that continues it queues at the back (continued_from names the run it
-- continues). A full run keeps where it got to (position: the object and the last record id
-- delivered), so the run that continues it, or the one queued again after its worker was killed,
-- starts there instead of from the first record.
ALTER TABLE runs ADD COLUMN position jsonb;
ALTER TABLE runs ADD COLUMN continued_from uuid;
