// A subscription expires when its end date comes, whether or not anything is read from Salesforce
// that day: the per-minute tick marks those whose end has passed (at most 1,000 a tick, through
// the store, so the journal and the organization's integrations see it).
import type { RecordStore } from '../../platform/index.ts';
import type { Database } from '../../storage/index.ts';

export async function expireEndedSubscriptions(db: Database, store: RecordStore, now: Date = new Date()): Promise<number> {
  const today = now.toISOString().slice(0, 10);
  const due = await db.query<{ org_id: string; id: string }>(
    `SELECT org_id, id FROM records WHERE entity = 'subscriptions' AND deleted_at IS NULL AND data->>'status' = 'ACTIVE' AND data->>'endDate' <= $1
     ORDER BY org_id, id LIMIT 1000`,
    [today],
  );
  const byOrg = new Map<string, string[]>();
  for (const row of due) byOrg.set(row.org_id, [...(byOrg.get(row.org_id) ?? []), row.id]);
  let expired = 0;
  for (const [orgId, ids] of byOrg) {
    const results = await db.transaction((tx) => store.writeManyIn(tx, orgId, 'subscriptions', ids.map((id) => ({ kind: 'patch' as const, id, input: { status: 'EXPIRED' } })), 'system'));
    expired += results.filter((r) => r.ok).length;
  }
  return expired;
}
