// Change Data Capture subscriptions: one per integration that reads by change events, held by one
// worker at a time across every process (the claim names the worker; a stopped worker's claims
// pass to the others). Events are stored as they arrive, with the replay id past them, in one
// transaction; incoming runs apply them (change-events.ts). A subscription starts from the stored
// replay id, so nothing is missed across restarts and lost connections; one whose replay id left
// the org's retention starts anew and has the object re-read from its cursor, and says so.
import type { Logger } from 'pino';
import { StreamingExtension } from 'jsforce/api/streaming';
import type { Database, Queryable } from '../../storage/index.ts';
import type { Credentials } from '../credentials/credentials.ts';
import { integrationSync } from '../integrations/schemas.ts';
import { DEFINITIONS } from '../mapping/entities/index.ts';
import type { EntityType } from '../types.ts';
import { requestCatchUp, type ChangeEventHeader } from './change-events.ts';

interface Wanted {
  org_id: string;
  integration_id: string;
  credential_id: string;
  object: string;
  replay_id: string | null;
  entity: string;
}

interface FayeClient {
  subscribe(channel: string, listener: (message: unknown) => void): PromiseLike<void> & { cancel(): void };
  disconnect(): void;
  bind(event: string, listener: () => void): void;
}

interface StreamMessage {
  payload?: Record<string, unknown> & { ChangeEventHeader?: ChangeEventHeader };
  event?: { replayId?: number };
}

interface FayeInternals {
  _state?: number;
  DISCONNECTED?: number;
  _advice?: { reconnect?: string };
  _dispatcher?: { close(): void; _envelopes?: Map<unknown, { timer?: NodeJS.Timeout; request?: { destroy?: () => void } }> };
}

/**
 * Stops a faye client now. Its disconnect() does nothing unless the client is connected (not while
 * it handshakes again after a drop), and leaves the long poll and the retries of unanswered
 * messages running until the server answers: a closed stream (and a stopping process) must not
 * wait for that. faye has no public way to do it, hence its internals, checked at each step.
 */
function shutdown(client: FayeClient): void {
  client.disconnect();
  const internals = client as unknown as FayeInternals;
  if (internals._advice !== undefined) internals._advice.reconnect = 'none';
  if (internals.DISCONNECTED !== undefined) internals._state = internals.DISCONNECTED;
  const dispatcher = internals._dispatcher;
  for (const envelope of dispatcher?._envelopes?.values() ?? []) {
    clearTimeout(envelope.timer);
    envelope.request?.destroy?.();
  }
  dispatcher?._envelopes?.clear();
  dispatcher?.close();
}

export function changeEventChannel(object: string): string {
  return object.endsWith('__c') ? `/data/${object.slice(0, -3)}__ChangeEvent` : `/data/${object}ChangeEvent`;
}

const REPLAY_REFUSED = /replayId.*invalid/i;

/**
 * A faye extension that subscribes from the replay id Ferry last stored (not the last one
 * received: an event received but not stored must come again after a reconnect).
 */
class StoredReplay {
  readonly #channel: string;
  readonly #position: () => number;

  constructor(channel: string, position: () => number) {
    this.#channel = channel;
    this.#position = position;
  }

  outgoing(message: Record<string, unknown>, callback: (message: Record<string, unknown>) => void): void {
    if (message['channel'] === '/meta/subscribe' && message['subscription'] === this.#channel) {
      const ext = (message['ext'] ?? {}) as Record<string, unknown>;
      ext['replay'] = { [this.#channel]: this.#position() };
      message['ext'] = ext;
    }
    callback(message);
  }
}

class Stream {
  readonly key: string;
  readonly wanted: Wanted;
  #client: FayeClient | undefined;
  /** -1: new events only (no position stored yet). */
  #replayId: number;
  #buffer: StreamMessage[] = [];
  #flushing: Promise<void> | undefined;
  #closed = false;
  readonly owner: ChangeStreams;

  constructor(wanted: Wanted, owner: ChangeStreams) {
    this.owner = owner;
    this.key = `${wanted.org_id}:${wanted.integration_id}:${wanted.object}`;
    this.wanted = wanted;
    this.#replayId = wanted.replay_id === null ? -1 : Number(wanted.replay_id);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Opens the subscription; answers false when the org refused the stored replay id. */
  async open(): Promise<'open' | 'replay_refused'> {
    const { client } = await this.owner.credentials.open(this.wanted.org_id, this.wanted.credential_id);
    const channel = changeEventChannel(this.wanted.object);
    const auth = new StreamingExtension.AuthFailure(() => {
      this.owner.log.warn({ ...this.#scope() }, 'the change event stream was refused its session: signing in again');
      this.owner.credentials.forget(this.wanted.credential_id);
      this.close();
    });
    const faye = client.connection.streaming.createClient([new StoredReplay(channel, () => this.#replayId), auth]) as unknown as FayeClient;
    this.#client = faye;
    faye.bind('transport:down', () => this.owner.log.warn({ ...this.#scope() }, 'the change event stream lost its connection: reconnecting (no event is lost: it resumes from the stored replay id)'));
    faye.bind('transport:up', () => this.owner.log.info({ ...this.#scope() }, 'the change event stream is connected'));
    try {
      await faye.subscribe(channel, (message) => this.#receive(message as StreamMessage));
    } catch (error) {
      this.close();
      const message = error instanceof Error ? error.message : String(error);
      if (REPLAY_REFUSED.test(message)) return 'replay_refused';
      throw error;
    }
    return 'open';
  }

  #scope(): Record<string, string> {
    return { orgId: this.wanted.org_id, integrationId: this.wanted.integration_id, object: this.wanted.object };
  }

  #receive(message: StreamMessage): void {
    if (this.#closed) return;
    this.#buffer.push(message);
    this.#flushing ??= this.#flush().finally(() => (this.#flushing = undefined));
  }

  async #flush(): Promise<void> {
    while (this.#buffer.length > 0 && !this.#closed) {
      const batch = this.#buffer.splice(0);
      try {
        const stored = await this.owner.store(this, batch);
        if (stored === null) continue;
        if (stored === 'unwanted') {
          // Switched off, or another worker holds the stream now: these events stay unstored and
          // come again from the stored replay id when the stream opens next.
          this.close();
          return;
        }
        this.#replayId = Math.max(this.#replayId, stored);
      } catch (error) {
        // Not stored: the stream closes, and reopens from the stored replay id (the events come again).
        this.owner.log.error({ err: error, ...this.#scope() }, 'storing change events failed: the stream reopens from the stored replay id');
        this.close();
        return;
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer = [];
    try {
      if (this.#client !== undefined) shutdown(this.#client);
    } catch (error) {
      this.owner.log.warn({ err: error, ...this.#scope() }, 'closing the change event stream failed');
    }
  }

  async settled(): Promise<void> {
    await this.#flushing;
  }
}

export interface ChangeStreamsDeps {
  db: Database;
  credentials: Credentials;
  logger: Logger;
  workerId: string;
  /** Events were stored for the integration: queue the run that applies them. */
  onStored: (orgId: string, integrationId: string) => Promise<void>;
}

/** The change event subscriptions of this worker. */
export class ChangeStreams {
  readonly credentials: Credentials;
  readonly log: Logger;
  readonly #db: Database;
  readonly #workerId: string;
  readonly #onStored: ChangeStreamsDeps['onStored'];
  readonly #open = new Map<string, Stream>();
  #reconciling: Promise<void> | undefined;
  #stopped = false;

  constructor(deps: ChangeStreamsDeps) {
    this.#db = deps.db;
    this.credentials = deps.credentials;
    this.log = deps.logger.child({ component: 'change-streams' });
    this.#workerId = deps.workerId;
    this.#onStored = deps.onStored;
  }

  /** Opens the subscriptions this worker should hold and closes the others. Never runs twice at once. */
  reconcile(): Promise<void> {
    this.#reconciling ??= this.#reconcile().finally(() => (this.#reconciling = undefined));
    return this.#reconciling;
  }

  async #reconcile(): Promise<void> {
    if (this.#stopped) return;
    // Claimed in one statement: a stream no live worker holds passes to this one. One this worker
    // holds open is reading: stream_alive_at says so (see readChanges: how long reading stopped).
    const claimed = await this.#db.query<Wanted>(
      `UPDATE incoming_cursors c SET stream_worker_id = $1,
         stream_alive_at = CASE WHEN c.stream_worker_id = $1 AND c.stream_connected_at IS NOT NULL THEN now() ELSE c.stream_alive_at END
       FROM integrations i, organizations o
       WHERE i.org_id = c.org_id AND i.id = c.integration_id AND o.id = i.org_id AND c.mode = 'cdc'
         AND i.enabled AND i.credential_id IS NOT NULL AND (i.paused_until IS NULL OR i.paused_until < now())
         AND COALESCE(i.sync->>'direction', 'to_salesforce') <> 'to_salesforce' AND COALESCE((i.sync->>'incoming')::boolean, true) AND o.incoming_sync
         AND (c.stream_worker_id IS NULL OR c.stream_worker_id = $1 OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = c.stream_worker_id))
       RETURNING c.org_id, c.integration_id, i.credential_id, c.object, c.replay_id::text AS replay_id, i.entity_type AS entity`,
      [this.#workerId],
    );
    const wanted = new Map(claimed.map((w) => [`${w.org_id}:${w.integration_id}:${w.object}`, w]));
    for (const [key, stream] of this.#open) {
      if (!wanted.has(key) || stream.closed) {
        stream.close();
        this.#open.delete(key);
        if (!wanted.has(key)) await this.#release(stream.wanted);
      }
    }
    for (const [key, w] of wanted) {
      if (this.#open.has(key) || this.#stopped) continue;
      await this.#openStream(key, w);
    }
  }

  async #openStream(key: string, w: Wanted): Promise<void> {
    const scope = { orgId: w.org_id, integrationId: w.integration_id, object: w.object };
    const stream = new Stream(w, this);
    this.#open.set(key, stream);
    try {
      const opened = await stream.open();
      if (opened === 'replay_refused') {
        this.#open.delete(key);
        this.log.warn({ ...scope, replayId: w.replay_id }, 'the org no longer holds change events after the stored replay id: starting anew and re-reading the object from its cursor');
        await this.#db.transaction(async (tx) => {
          await tx.query('UPDATE incoming_cursors SET replay_id = NULL WHERE org_id = $1 AND integration_id = $2 AND object = $3', [w.org_id, w.integration_id, w.object]);
          await requestCatchUp(tx, w.org_id, w.integration_id, w.object, entityOf(w.entity),
            `the org no longer holds change events after replay id ${w.replay_id ?? ''} (they are kept for 72 hours; reading was off or stopped longer)`);
        });
        await this.#openStream(key, { ...w, replay_id: null });
        return;
      }
      if (w.replay_id === null) {
        // New events only from here: what changed since the cursor and before now is re-read.
        await this.#db.transaction(async (tx) => {
          await requestCatchUp(tx, w.org_id, w.integration_id, w.object, entityOf(w.entity),
            'the change event stream started: changes made before it are read from the cursor');
        });
        await this.#onStored(w.org_id, w.integration_id);
      }
      await this.#db.query('UPDATE incoming_cursors SET stream_connected_at = now() WHERE org_id = $1 AND integration_id = $2 AND object = $3', [w.org_id, w.integration_id, w.object]);
      this.log.info({ ...scope, replayId: w.replay_id }, 'change event stream open');
    } catch (error) {
      stream.close();
      this.#open.delete(key);
      this.log.error({ err: error, ...scope }, 'opening the change event stream failed: trying again at the next check');
    }
  }

  async #release(w: Wanted): Promise<void> {
    await this.#db.query(
      'UPDATE incoming_cursors SET stream_worker_id = NULL, stream_connected_at = NULL WHERE org_id = $1 AND integration_id = $2 AND object = $3 AND stream_worker_id = $4',
      [w.org_id, w.integration_id, w.object, this.#workerId],
    );
  }

  /**
   * Stores events and the replay id past them in one transaction, if this worker still holds the
   * stream and reading is switched on; answers the stored replay id, null when the messages held
   * no change event, or 'unwanted' (nothing stored: the stream should close).
   */
  async store(stream: Stream, messages: StreamMessage[]): Promise<number | null | 'unwanted'> {
    const w = stream.wanted;
    const events = messages.filter((m) => m.payload?.ChangeEventHeader !== undefined && typeof m.event?.replayId === 'number');
    if (events.length === 0) {
      this.log.warn({ orgId: w.org_id, integrationId: w.integration_id, count: messages.length }, 'the change event stream delivered messages that are not change events: ignored');
      return null;
    }
    const max = Math.max(...events.map((e) => e.event!.replayId!));
    const stored = await this.#db.transaction(async (tx) => {
      if (!(await this.#stillWanted(tx, w))) return false;
      await tx.query(
        `INSERT INTO incoming_events (org_id, integration_id, object, replay_id, header, payload)
         SELECT $1, $2, $3, x.replay_id, x.header, x.payload FROM jsonb_to_recordset($4::jsonb) AS x(replay_id bigint, header jsonb, payload jsonb)
         ON CONFLICT DO NOTHING`,
        [w.org_id, w.integration_id, w.object, JSON.stringify(events.map((e) => {
          const { ChangeEventHeader: header, ...payload } = e.payload!;
          return { replay_id: e.event!.replayId, header, payload };
        }))],
      );
      await tx.query('UPDATE incoming_cursors SET replay_id = GREATEST(COALESCE(replay_id, 0), $4), updated_at = now() WHERE org_id = $1 AND integration_id = $2 AND object = $3', [w.org_id, w.integration_id, w.object, max]);
      return true;
    });
    if (!stored) return 'unwanted';
    await this.#onStored(w.org_id, w.integration_id);
    return max;
  }

  async #stillWanted(tx: Queryable, w: Wanted): Promise<boolean> {
    const [row] = await tx.query<{ stream_worker_id: string | null; mode: string; sync: unknown; enabled: boolean; incoming_sync: boolean }>(
      `SELECT c.stream_worker_id, c.mode, i.sync, i.enabled, o.incoming_sync FROM incoming_cursors c
       JOIN integrations i ON i.org_id = c.org_id AND i.id = c.integration_id JOIN organizations o ON o.id = c.org_id
       WHERE c.org_id = $1 AND c.integration_id = $2 AND c.object = $3 FOR UPDATE OF c`,
      [w.org_id, w.integration_id, w.object],
    );
    if (row === undefined || row.stream_worker_id !== this.#workerId || row.mode !== 'cdc' || !row.enabled || !row.incoming_sync) return false;
    const sync = integrationSync.safeParse(row.sync ?? {});
    return sync.success && sync.data.incoming && sync.data.direction !== 'to_salesforce';
  }

  /** Closes a stream now (its switch was turned off); the next reconcile decides again. */
  async closeFor(orgId: string, integrationId?: string): Promise<void> {
    for (const [key, stream] of this.#open) {
      if (stream.wanted.org_id !== orgId || (integrationId !== undefined && stream.wanted.integration_id !== integrationId)) continue;
      stream.close();
      await stream.settled();
      this.#open.delete(key);
      await this.#release(stream.wanted);
    }
  }

  get openCount(): number {
    return this.#open.size;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#reconciling;
    for (const stream of this.#open.values()) {
      stream.close();
      await stream.settled();
      await this.#release(stream.wanted);
    }
    this.#open.clear();
  }
}

/** The Ferry entity an integration's entity type reads into (its main object's). */
function entityOf(entityType: string): string {
  return DEFINITIONS[entityType as EntityType].objects[0]!.entity;
}
