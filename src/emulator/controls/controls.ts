// Test controls under /__emulator, off the Salesforce paths: reset, seed, users and act-as,
// sessions, faults, latency, limits, counters, CDC objects, gap and overflow events, dropped
// streaming connections, event retention, undelete. None needs a session and
// none counts against the API limit. Each is also callable directly through EmulatorControls.
import type { Counters, Org } from '../org.ts';
import type { EmulatorUser } from '../options.ts';
import type { SaveResult } from '../store/store.ts';
import { text } from '../store/values.ts';
import { isPlainObject, json, parseJsonBody, type EmuRequest, type EmuResponse } from '../http/types.ts';
import type { ServerState } from '../server.ts';
import { parseFaultSpec, type FaultSpec, type LatencyModel } from './faults.ts';

export interface SeedResult {
  type: string;
  id: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
}

/** The controls as a typed object, for tests in the same process. */
export class EmulatorControls {
  readonly #org: Org;
  readonly #state: ServerState;
  readonly #onChange: () => void;
  readonly #onReset: () => void;
  readonly #dropStreaming: () => number;

  constructor(org: Org, state: ServerState, onChange: () => void, onReset: () => void, dropStreaming: () => number = () => 0) {
    this.#org = org;
    this.#state = state;
    this.#onChange = onChange;
    this.#onReset = onReset;
    this.#dropStreaming = dropStreaming;
  }

  /** Empties all data, faults, latency, counters and the act-as override; sessions stay valid. */
  reset(): void {
    this.#org.reset();
    this.#org.bus.clear();
    this.#state.faults.clear();
    this.#state.latency = { fixedMs: 0, perRecordMs: 0 };
    this.#onReset();
    this.#onChange();
  }

  /**
   * Creates records through the normal data rules, as `asUser` (default the admin). Records name
   * their object in `attributes.type`; a string `@ref` value in a later record's field is
   * replaced by the id created for the record whose `attributes.referenceId` is `ref`.
   */
  seed(records: Record<string, unknown>[], asUser?: string): SeedResult[] {
    const org = this.#org;
    const userId = asUser === undefined ? org.adminUserId : (org.auth.userByName(asUser)?.userId ?? org.adminUserId);
    const refs = new Map<string, string>();
    const results: SeedResult[] = [];
    for (const record of records) {
      const attributes = isPlainObject(record['attributes']) ? record['attributes'] : {};
      const type = text(attributes['type'] ?? record['type'] ?? '');
      const def = org.schema.get(type);
      if (def === undefined || def.isEvent) {
        results.push({ type, id: null, success: false, errors: [{ statusCode: 'INVALID_TYPE', message: `sObject type '${type}' is not supported.`, fields: [] }] });
        continue;
      }
      const values: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(record)) {
        if (k === 'attributes' || k === 'type') continue;
        values[k] = typeof v === 'string' && v.startsWith('@') && refs.has(v.slice(1)) ? refs.get(v.slice(1)) : v;
      }
      const result: SaveResult = org.store.create(def.name, values, { userId });
      if (result.success && typeof attributes['referenceId'] === 'string') refs.set(attributes['referenceId'], result.id);
      results.push({ type: def.name, id: result.id, success: result.success, errors: result.success ? [] : result.errors });
    }
    this.#onChange();
    return results;
  }

  addUser(user: EmulatorUser): string {
    const id = this.#org.addUser(user);
    this.#onChange();
    return id;
  }

  /** Makes every following request act as `username` (null to stop), whatever its session. */
  actAs(username: string | null): string | null {
    if (username === null) {
      this.#org.actingUserId = null;
      return null;
    }
    const user = this.#org.auth.userByName(username);
    if (user === undefined) throw new Error(`no user ${username}`);
    this.#org.actingUserId = user.userId;
    return user.userId;
  }

  /** A session for any user without a password, e.g. to drive a second jsforce connection. */
  sessionFor(username: string): { accessToken: string; userId: string } {
    const user = this.#org.auth.userByName(username);
    if (user === undefined) throw new Error(`no user ${username}`);
    const session = this.#org.auth.issueSession(user.userId, null);
    return { accessToken: session.token, userId: user.userId };
  }

  /** A refresh token for `username` through the org's connected app, as an approved consent would give. */
  refreshTokenFor(username: string): string {
    const user = this.#org.auth.userByName(username);
    if (user === undefined) throw new Error(`no user ${username}`);
    return this.#org.auth.issueRefreshToken(user.userId, this.#org.auth.app.clientId);
  }

  /** Ends every session: the next call of each client gets INVALID_SESSION_ID. */
  expireSessions(): void {
    this.#org.auth.expireAll();
  }

  setSessionTtl(seconds: number): void {
    this.#org.auth.sessionTtlMs = seconds * 1000;
  }

  /** Turns the connected app's refresh token rotation on or off. */
  setRefreshTokenRotation(enabled: boolean): void {
    this.#org.auth.rotateRefreshTokens = enabled;
  }

  addFault(spec: FaultSpec): number {
    return this.#state.faults.add(spec).id;
  }

  clearFaults(): void {
    this.#state.faults.clear();
  }

  setLatency(model: LatencyModel): void {
    this.#state.latency = { ...model };
  }

  setApiLimit(max: number, used?: number): void {
    this.#org.apiMax = max;
    if (used !== undefined) this.#org.apiUsed = used;
  }

  counters(): Counters & { apiUsed: number; apiMax: number } {
    return { ...this.#org.counters, apiUsed: this.#org.apiUsed, apiMax: this.#org.apiMax };
  }

  resetCounters(): void {
    this.#org.resetCounters();
  }

  setCdcObjects(objects: string[] | 'all'): void {
    this.#org.cdc.setEnabled(objects);
  }

  /**
   * Publishes a gap event for records of `object` (Salesforce sends these when it cannot build a
   * change event, e.g. a change made outside its transaction log): the header only, no values.
   */
  injectGap(object: string, ids: string[], changeType: 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_DELETE' | 'GAP_UNDELETE' = 'GAP_UPDATE'): void {
    const def = this.#org.schema.get(object);
    if (def === undefined || def.isEvent) throw new Error(`no object ${object}`);
    this.#org.cdc.publishGap(def.name, ids, changeType, this.#org.adminUserId, this.#org.store.now());
  }

  /** Publishes a GAP_OVERFLOW event for `object`: a transaction too large to describe record by record. */
  injectOverflow(object: string): void {
    const def = this.#org.schema.get(object);
    if (def === undefined || def.isEvent) throw new Error(`no object ${object}`);
    this.#org.cdc.publishOverflow(def.name, this.#org.adminUserId, this.#org.store.now());
  }

  /** Drops every streaming client, as a server restart would: each must handshake again. */
  dropStreamingClients(): number {
    return this.#dropStreaming();
  }

  /** Every retained event passes out of retention: a replay id from before now is refused. */
  expireStreamingEvents(): void {
    this.#org.bus.clear();
  }

  /**
   * The admin's "empty recycle bin" for these records (or Salesforce purging them after 15 days):
   * deleted records leave the bin for good, and queryAll no longer sees them. A live record is
   * refused (delete it first).
   */
  emptyRecycleBin(ids: string[]): SaveResult[] {
    const userId = this.#org.adminUserId;
    const results = ids.map((id): SaveResult => {
      const live = this.#org.store.get(id);
      if (live !== undefined && !live.deleted) return { success: false, id, errors: [{ statusCode: 'ENTITY_IS_NOT_DELETED', message: 'entity is not in the recycle bin', fields: [] }] };
      return this.#org.store.hardDelete(id, { userId });
    });
    this.#onChange();
    return results;
  }

  /** The admin's "restore from recycle bin". */
  undelete(ids: string[]): SaveResult[] {
    const userId = this.#org.adminUserId;
    const results = ids.map((id) => this.#org.store.undelete(id, { userId }));
    this.#onChange();
    return results;
  }
}

/** The control's JSON body, or the 400 that a malformed one gets. */
function body(req: EmuRequest): { ok: true; input: Record<string, unknown> } | { ok: false; response: EmuResponse } {
  if (req.method === 'GET' || req.method === 'DELETE') return { ok: true, input: {} };
  const parsed = parseJsonBody(req);
  if (!parsed.ok) return parsed;
  return { ok: true, input: isPlainObject(parsed.value) ? parsed.value : {} };
}

function bad(message: string): EmuResponse {
  return json(400, { error: { code: 'bad_request', message } });
}

/** The HTTP face of EmulatorControls. Errors here use Ferry's shape, not Salesforce's. */
export function controlsHandler(controls: EmulatorControls, identity: () => Record<string, unknown>): (req: EmuRequest) => EmuResponse {
  return (req) => {
    const route = `${req.method} ${req.path.replace(/^\/__emulator/, '').replace(/\/$/, '')}`;
    // A body is data, whatever its fields: `{"status":500}` describes a fault, it is not an answer.
    const parsed = body(req);
    if (!parsed.ok) return parsed.response;
    const input = parsed.input;
    try {
      switch (route) {
        case 'GET ':
        case 'GET /identity':
          return json(200, identity());
        case 'POST /reset':
          controls.reset();
          return json(200, { ok: true });
        case 'POST /seed': {
          const records = Array.isArray(input['records']) ? (input['records'] as Record<string, unknown>[]) : null;
          if (records === null) return bad('body must be {"records": [...]}');
          const results = controls.seed(records, typeof input['asUser'] === 'string' ? input['asUser'] : undefined);
          return json(results.every((r) => r.success) ? 201 : 400, { results });
        }
        case 'POST /users': {
          if (typeof input['username'] !== 'string' || typeof input['lastName'] !== 'string') return bad('username and lastName are required');
          const userId = controls.addUser({
            username: input['username'],
            password: typeof input['password'] === 'string' ? input['password'] : 'ferry',
            securityToken: typeof input['securityToken'] === 'string' ? input['securityToken'] : '',
            lastName: input['lastName'],
            ...(typeof input['firstName'] === 'string' ? { firstName: input['firstName'] } : {}),
            ...(typeof input['email'] === 'string' ? { email: input['email'] } : {}),
          });
          return json(201, { userId });
        }
        case 'POST /act-as':
          return json(200, { userId: controls.actAs(typeof input['username'] === 'string' ? input['username'] : null) });
        case 'POST /sessions':
          if (typeof input['username'] !== 'string') return bad('username is required');
          return json(201, { ...controls.sessionFor(input['username']), instanceUrl: req.baseUrl });
        case 'POST /sessions/expire':
          controls.expireSessions();
          return json(200, { ok: true });
        case 'PUT /sessions/ttl':
          if (typeof input['seconds'] !== 'number') return bad('seconds is required');
          controls.setSessionTtl(input['seconds']);
          return json(200, { ok: true });
        case 'PUT /oauth/rotation':
          if (typeof input['enabled'] !== 'boolean') return bad('enabled (true or false) is required');
          controls.setRefreshTokenRotation(input['enabled']);
          return json(200, { ok: true });
        case 'POST /faults': {
          const fault = parseFaultSpec(input);
          return fault.ok ? json(201, { id: controls.addFault(fault.spec) }) : bad(fault.message);
        }
        case 'DELETE /faults':
          controls.clearFaults();
          return json(200, { ok: true });
        case 'PUT /latency':
          controls.setLatency({ fixedMs: Number(input['fixedMs'] ?? 0), perRecordMs: Number(input['perRecordMs'] ?? 0) });
          return json(200, { ok: true });
        case 'PUT /limits':
          controls.setApiLimit(Number(input['dailyApiRequests']), typeof input['used'] === 'number' ? input['used'] : undefined);
          return json(200, { ok: true });
        case 'GET /counters':
          return json(200, controls.counters());
        case 'POST /counters/reset':
          controls.resetCounters();
          return json(200, { ok: true });
        case 'PUT /cdc':
          controls.setCdcObjects(Array.isArray(input['objects']) ? (input['objects'] as string[]) : 'all');
          return json(200, { ok: true });
        case 'POST /cdc/gap': {
          const changeType = input['changeType'] ?? 'GAP_UPDATE';
          if (typeof input['object'] !== 'string' || !Array.isArray(input['ids'])) return bad('object and ids are required');
          if (changeType !== 'GAP_CREATE' && changeType !== 'GAP_UPDATE' && changeType !== 'GAP_DELETE' && changeType !== 'GAP_UNDELETE') return bad('changeType must be GAP_CREATE, GAP_UPDATE, GAP_DELETE or GAP_UNDELETE');
          controls.injectGap(input['object'], input['ids'].map(String), changeType);
          return json(200, { ok: true });
        }
        case 'POST /cdc/overflow':
          if (typeof input['object'] !== 'string') return bad('object is required');
          controls.injectOverflow(input['object']);
          return json(200, { ok: true });
        case 'POST /streaming/drop':
          return json(200, { dropped: controls.dropStreamingClients() });
        case 'POST /streaming/expire':
          controls.expireStreamingEvents();
          return json(200, { ok: true });
        case 'POST /recycle-bin/empty':
          if (!Array.isArray(input['ids'])) return bad('ids is required');
          return json(200, { results: controls.emptyRecycleBin(input['ids'] as string[]) });
        case 'POST /undelete':
          if (!Array.isArray(input['ids'])) return bad('ids is required');
          return json(200, { results: controls.undelete(input['ids'] as string[]) });
        default:
          return json(404, { error: { code: 'not_found', message: `no control ${route}` } });
      }
    } catch (error) {
      return bad(error instanceof Error ? error.message : String(error));
    }
  };
}
