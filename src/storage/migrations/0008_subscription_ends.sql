-- Subscriptions that are still active, by end date: the per-minute tick expires those whose end
-- has passed (src/engine/crm/expiry.ts) without reading every subscription.
CREATE INDEX records_active_subscription_end ON records ((data->>'endDate'))
  WHERE entity = 'subscriptions' AND deleted_at IS NULL AND data->>'status' = 'ACTIVE';
