import { randomBytes } from 'node:crypto';
import pRetry from 'p-retry';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { fail, ok, type Result } from '../../platform/index.ts';
import type { Database } from '../../storage/index.ts';
import type { SecretBox } from '../credentials/secret-box.ts';
import { postSigned, type SendOutcome } from './webhook-sender.ts';
import type { WebhookDeliveryStatus, WebhookDeliveryType, WebhookDeliveryView, WebhookEvent, WebhookInput, WebhookTestView, WebhookView } from './webhook-schemas.ts';

/**
 * An organization's webhook: its settings (the signing secret sealed), and the deliveries made to
 * it. A delivery is a row before it is anything else, then a job on the 'webhook' queue that a
 * worker sends with retries; the run (or whatever raised the alert) never waits for the receiver.
 *
 * Durable: the row says where a delivery stands. A pending row whose job was never queued (the
 * process stopped in between), and a sending row whose sender stopped (its claim ran out), are
 * queued again by the minute's tick (sweep). A sender holds a row by a claim it renews before
 * each attempt; one that lost its claim stops. A receiver may therefore see a delivery twice
 * (X-Ferry-Delivery tells them apart), never lose one that was accepted here.
 */

export interface WebhookOptions {
  /** One attempt, the answer's body included. */
  timeoutMs: number;
  /** Attempts in all (the first included), across restarts. */
  attempts: number;
  /** Backoff between attempts: doubles from min to max (with jitter). */
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  /** How long a sender holds a delivery per attempt before another may take it over. */
  claimMs: number;
  /** A pending delivery with no queued job for this long is queued again. */
  orphanAfterMs: number;
  /** Delivered and failed deliveries are kept this many days. */
  keepDays: number;
  fetch?: typeof fetch | undefined;
}

/** 5 attempts over about a minute (4 + 8 + 16 + 32 s between them, with jitter). */
export const WEBHOOK_DEFAULTS: Readonly<WebhookOptions> = {
  timeoutMs: 10_000,
  attempts: 5,
  minRetryDelayMs: 4_000,
  maxRetryDelayMs: 32_000,
  claimMs: 120_000,
  orphanAfterMs: 30_000,
  keepDays: 30,
};

export interface WebhookSettings {
  events: WebhookEvent[];
  failedRunsThreshold: number;
}

interface WebhookRow {
  org_id: string;
  url: string;
  sealed_secret: string;
  events: WebhookEvent[];
  failed_runs_threshold: number;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  org_id: string;
  id: string;
  type: WebhookDeliveryType;
  integration_id: string | null;
  data: unknown;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  last_attempt_at: Date | null;
  finished_at: Date | null;
}

const toView = (row: WebhookRow): WebhookView => ({
  url: row.url,
  events: row.events,
  failedRunsThreshold: row.failed_runs_threshold,
  hasSecret: true,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const toDeliveryView = (row: DeliveryRow): WebhookDeliveryView => ({
  id: row.id,
  type: row.type,
  integrationId: row.integration_id,
  status: row.status,
  attempts: row.attempts,
  lastStatus: row.last_status,
  lastError: row.last_error,
  createdAt: row.created_at.toISOString(),
  lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
  finishedAt: row.finished_at?.toISOString() ?? null,
});

/** What the receiver gets: the same envelope for every type. */
function bodyOf(row: DeliveryRow): string {
  return JSON.stringify({ id: row.id, type: row.type, createdAt: row.created_at.toISOString(), organizationId: row.org_id, data: row.data });
}

function generatedSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** An attempt that did not deliver; the outcome says whether another may. */
class AttemptFailedError extends Error {
  override name = 'AttemptFailedError';
  readonly outcome: Extract<SendOutcome, { ok: false }>;

  constructor(outcome: Extract<SendOutcome, { ok: false }>) {
    super(outcome.error);
    this.outcome = outcome;
  }
}

/** The sender no longer holds the delivery (another took it over, or it ended): it stops. */
class ClaimLostError extends Error {
  override name = 'ClaimLostError';
}

export interface WebhooksDeps {
  db: Database;
  box: SecretBox;
  boss: PgBoss;
  logger: Logger;
}

export class Webhooks {
  readonly #db: Database;
  readonly #box: SecretBox;
  readonly #boss: PgBoss;
  readonly #logger: Logger;
  readonly #options: WebhookOptions;
  /** Stops waits between attempts and attempts in flight when the process stops. */
  readonly #stopping = new AbortController();
  readonly #sending = new Set<Promise<void>>();
  /** This process's 'webhook' workers: told at once when a delivery is queued. */
  readonly workerIds: string[] = [];

  constructor(deps: WebhooksDeps, options: Partial<WebhookOptions> = {}) {
    this.#db = deps.db;
    this.#box = deps.box;
    this.#boss = deps.boss;
    this.#logger = deps.logger.child({ component: 'webhooks' });
    this.#options = { ...WEBHOOK_DEFAULTS, ...options };
  }

  // ---- settings --------------------------------------------------------------------------------

  async get(orgId: string): Promise<Result<WebhookView>> {
    const [row] = await this.#db.query<WebhookRow>('SELECT * FROM webhooks WHERE org_id = $1', [orgId]);
    return row === undefined ? fail('not_found', 'This organization has no webhook: PUT /api/v1/organization/webhook {"url": "https://..."} sets one.') : ok(toView(row));
  }

  /**
   * Sets the webhook (all of it: events and threshold left out take their defaults). The secret is
   * write-only: left out, the webhook keeps the one it has, or a new one gets one generated, and
   * only then is it in the answer.
   */
  async put(orgId: string, input: WebhookInput): Promise<WebhookView & { secret?: string }> {
    const given = input.secret !== undefined;
    const secret = input.secret ?? generatedSecret();
    const [row] = await this.#db.query<WebhookRow & { inserted: boolean }>(
      `INSERT INTO webhooks (org_id, url, sealed_secret, events, failed_runs_threshold) VALUES ($1, $2, $3, $4::text[], $5)
       ON CONFLICT (org_id) DO UPDATE SET url = EXCLUDED.url, events = EXCLUDED.events, failed_runs_threshold = EXCLUDED.failed_runs_threshold,
         sealed_secret = CASE WHEN $6 THEN EXCLUDED.sealed_secret ELSE webhooks.sealed_secret END, updated_at = now()
       RETURNING *, (xmax::text = '0') AS inserted`,
      [orgId, input.url, this.#box.seal({ secret }), input.events, input.failedRunsThreshold, given],
    );
    const view = toView(row!);
    return row!.inserted && !given ? { ...view, secret } : view;
  }

  /** Removes the webhook; deliveries not sent yet end failed, saying so. */
  async remove(orgId: string): Promise<Result<null>> {
    const removed = await this.#db.query('DELETE FROM webhooks WHERE org_id = $1 RETURNING org_id', [orgId]);
    return removed.length === 0 ? fail('not_found', 'This organization has no webhook.') : ok(null);
  }

  /** What decides whether an alert goes (no secret). */
  async settings(orgId: string): Promise<WebhookSettings | undefined> {
    const [row] = await this.#db.query<Pick<WebhookRow, 'events' | 'failed_runs_threshold'>>('SELECT events, failed_runs_threshold FROM webhooks WHERE org_id = $1', [orgId]);
    return row === undefined ? undefined : { events: row.events, failedRunsThreshold: row.failed_runs_threshold };
  }

  async deliveries(orgId: string, filter: { type?: WebhookDeliveryType | undefined; status?: WebhookDeliveryStatus | undefined; limit: number }): Promise<WebhookDeliveryView[]> {
    const rows = await this.#db.query<DeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE org_id = $1 AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR status = $3)
       ORDER BY id DESC LIMIT $4`,
      [orgId, filter.type ?? null, filter.status ?? null, filter.limit],
    );
    return rows.map(toDeliveryView);
  }

  // ---- deliveries ------------------------------------------------------------------------------

  /**
   * Queues an alert when the organization's webhook takes its type (and `when` agrees, given the
   * settings); `data` is built only then, and may still find nothing to say (undefined). Resolves
   * to the delivery's id, or undefined when none goes.
   */
  async enqueue(orgId: string, type: WebhookEvent, data: () => Promise<object | undefined>, options: { integrationId?: string; when?: (settings: WebhookSettings) => boolean } = {}): Promise<string | undefined> {
    const settings = await this.settings(orgId);
    if (settings === undefined || !settings.events.includes(type) || options.when?.(settings) === false) return undefined;
    const payload = await data();
    if (payload === undefined) return undefined;
    const id = uuidv7();
    await this.#db.query(
      `INSERT INTO webhook_deliveries (org_id, id, type, integration_id, data, status) VALUES ($1, $2, $3, $4, $5::jsonb, 'pending')`,
      [orgId, id, type, options.integrationId ?? null, JSON.stringify(payload)],
    );
    // Should this fail (or the process stop here), the row is there: the tick queues it again.
    await this.#queue(orgId, id);
    return id;
  }

  async #queue(orgId: string, deliveryId: string): Promise<void> {
    await this.#boss.send('webhook', { orgId, deliveryId }, { singletonKey: deliveryId });
    for (const id of this.workerIds) this.#boss.notifyWorker(id);
  }

  /** The 'webhook' job: sends the delivery, retrying with backoff, unless it is done or held by a live sender. */
  async deliver(orgId: string, deliveryId: string): Promise<void> {
    if (this.#stopping.signal.aborted) return;
    const sending = this.#deliver(orgId, deliveryId);
    this.#sending.add(sending);
    try {
      await sending;
    } finally {
      this.#sending.delete(sending);
    }
  }

  async #deliver(orgId: string, deliveryId: string): Promise<void> {
    const claim = uuidv7();
    const [row] = await this.#db.query<DeliveryRow>(
      `UPDATE webhook_deliveries SET status = 'sending', claim_id = $3, claimed_until = now() + make_interval(secs => $4)
       WHERE org_id = $1 AND id = $2 AND (status = 'pending' OR (status = 'sending' AND claimed_until < now())) RETURNING *`,
      [orgId, deliveryId, claim, this.#options.claimMs / 1000],
    );
    if (row === undefined) return;
    const log = this.#logger.child({ orgId, deliveryId, type: row.type });
    const left = this.#options.attempts - row.attempts;
    if (left <= 0) {
      await this.#end(row, claim, 'failed');
      return;
    }
    const body = bodyOf(row);
    let made = 0;
    try {
      await pRetry(
        async () => {
          made++;
          const outcome = await this.#attempt(row, claim, body);
          if (!outcome.ok) throw new AttemptFailedError(outcome);
        },
        {
          retries: left - 1,
          factor: 2,
          minTimeout: this.#options.minRetryDelayMs,
          maxTimeout: this.#options.maxRetryDelayMs,
          randomize: true,
          signal: this.#stopping.signal,
          shouldRetry: ({ error }) => error instanceof AttemptFailedError && error.outcome.transient && !this.#stopping.signal.aborted,
        },
      );
      log.info({ attempts: row.attempts + made }, 'webhook delivered');
    } catch (error) {
      if (error instanceof ClaimLostError) {
        log.warn({ reason: error.message }, 'webhook delivery taken over by another sender: this one stops');
        return;
      }
      if (this.#stopping.signal.aborted) {
        // Handed back, not failed: the next worker to start (or the tick) sends it.
        await this.#db.query(
          `UPDATE webhook_deliveries SET status = 'pending', claim_id = NULL, claimed_until = NULL WHERE org_id = $1 AND id = $2 AND claim_id = $3 AND status = 'sending'`,
          [orgId, deliveryId, claim],
        );
        log.info('process stopping: webhook delivery handed back, it is sent again later');
        return;
      }
      if (!(error instanceof AttemptFailedError)) throw error;
      await this.#end(row, claim, 'failed');
      log.warn({ attempts: row.attempts + made, error: error.message }, 'webhook delivery failed: no attempts left, or an answer that is not retried');
    }
  }

  /**
   * One attempt, counted before it is made (an attempt cut short by a crash counts) and recorded
   * after, both only while this sender holds the claim. The webhook is read each time: a URL or
   * secret changed between attempts applies to the next one.
   */
  async #attempt(row: DeliveryRow, claim: string, body: string): Promise<SendOutcome> {
    const held = await this.#db.query<{ attempts: number }>(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(), claimed_until = now() + make_interval(secs => $4)
       WHERE org_id = $1 AND id = $2 AND claim_id = $3 AND status = 'sending' RETURNING attempts`,
      [row.org_id, row.id, claim, this.#options.claimMs / 1000],
    );
    if (held.length === 0) throw new ClaimLostError(`Delivery ${row.id} is no longer held by this sender.`);
    const [hook] = await this.#db.query<WebhookRow>('SELECT * FROM webhooks WHERE org_id = $1', [row.org_id]);
    const outcome: SendOutcome = hook === undefined
      ? { ok: false, status: null, error: 'The organization\'s webhook was removed before this delivery was sent.', transient: false }
      : await postSigned(hook.url, this.#secretOf(hook), row.id, body, { timeoutMs: this.#options.timeoutMs, fetch: this.#options.fetch, signal: this.#stopping.signal });
    const recorded = await this.#db.query(
      `UPDATE webhook_deliveries SET last_status = $4, last_error = $5,
         status = CASE WHEN $6 THEN 'delivered' ELSE status END, finished_at = CASE WHEN $6 THEN now() ELSE finished_at END,
         claim_id = CASE WHEN $6 THEN NULL ELSE claim_id END
       WHERE org_id = $1 AND id = $2 AND claim_id = $3 RETURNING id`,
      [row.org_id, row.id, claim, outcome.status, outcome.ok ? null : outcome.error, outcome.ok],
    );
    if (recorded.length === 0) throw new ClaimLostError(`Delivery ${row.id} was taken over while its attempt was under way.`);
    return outcome;
  }

  #secretOf(hook: WebhookRow): string {
    const { secret } = this.#box.open(hook.sealed_secret);
    if (secret === undefined) throw new Error(`The sealed webhook secret of organization ${hook.org_id} holds no secret.`);
    return secret;
  }

  async #end(row: DeliveryRow, claim: string, status: 'failed'): Promise<void> {
    await this.#db.query(
      `UPDATE webhook_deliveries SET status = $4, finished_at = now(), claim_id = NULL, claimed_until = NULL WHERE org_id = $1 AND id = $2 AND claim_id = $3`,
      [row.org_id, row.id, claim, status],
    );
  }

  /** Sends a webhook.test delivery now, once (no retries), and says what the receiver answered. */
  async test(orgId: string): Promise<Result<WebhookTestView>> {
    const [hook] = await this.#db.query<{ url: string }>('SELECT url FROM webhooks WHERE org_id = $1', [orgId]);
    if (hook === undefined) return fail('not_found', 'This organization has no webhook: PUT /api/v1/organization/webhook {"url": "https://..."} sets one.');
    const claim = uuidv7();
    const [row] = await this.#db.query<DeliveryRow>(
      `INSERT INTO webhook_deliveries (org_id, id, type, data, status, claim_id, claimed_until)
       VALUES ($1, $2, 'webhook.test', $3::jsonb, 'sending', $4, now() + make_interval(secs => $5)) RETURNING *`,
      [orgId, uuidv7(), JSON.stringify({ message: 'A test delivery from Ferry: the receiver got it. Check its signature with the webhook\'s secret.' }), claim, this.#options.claimMs / 1000],
    );
    const outcome = await this.#attempt(row!, claim, bodyOf(row!));
    if (!outcome.ok) await this.#end(row!, claim, 'failed');
    const [after] = await this.#db.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE org_id = $1 AND id = $2', [orgId, row!.id]);
    return ok({ delivered: outcome.ok, status: outcome.status, error: outcome.ok ? null : outcome.error, delivery: toDeliveryView(after!) });
  }

  // ---- upkeep ----------------------------------------------------------------------------------

  /**
   * Once a minute: queues again the deliveries nobody is sending (pending with no job queued for
   * `orphanAfterMs`, or sending with their claim run out), and forgets old finished ones.
   */
  async sweep(orphanAfterMs = this.#options.orphanAfterMs): Promise<void> {
    const open = await this.#db.query<{ org_id: string; id: string; status: WebhookDeliveryStatus }>(
      `SELECT d.org_id, d.id, d.status FROM webhook_deliveries d
       WHERE ((d.status = 'pending' AND d.created_at <= now() - make_interval(secs => $1)) OR (d.status = 'sending' AND d.claimed_until < now()))
         AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = 'webhook' AND j.data->>'deliveryId' = d.id::text AND j.state IN ('created', 'retry'))
       ORDER BY d.created_at LIMIT 100`,
      [orphanAfterMs / 1000],
    );
    for (const delivery of open) {
      this.#logger.warn({ orgId: delivery.org_id, deliveryId: delivery.id, status: delivery.status }, 'webhook delivery had nobody sending it: queued again');
      await this.#queue(delivery.org_id, delivery.id);
    }
    await this.#db.query(
      `DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'failed') AND created_at < now() - make_interval(days => $1)`,
      [this.#options.keepDays],
    );
  }

  /**
   * The only process on its database (embedded), starting: whatever was being sent was left by a
   * stop, so every open delivery is handed back and queued now.
   */
  async recover(): Promise<void> {
    await this.#db.query(`UPDATE webhook_deliveries SET status = 'pending', claim_id = NULL, claimed_until = NULL WHERE status = 'sending'`);
    await this.sweep(0);
  }

  /** Stops waiting between attempts; deliveries under way are handed back for later. */
  async stop(): Promise<void> {
    this.#stopping.abort(new Error('Ferry is stopping'));
    await Promise.allSettled([...this.#sending]);
  }
}
