// Generic streaming: StreamingChannel records name channels /u/{...}; the Streaming Channel Push
// REST resource (/sobjects/StreamingChannel/{id}/push) lists a channel's subscribers (GET) and
// pushes payloads to all of them or to named users (POST). Pushes go through the org's event
// bus, so they are replayable like any other event.
import { normalizeId } from '../ids.ts';
import type { Org } from '../org.ts';
import type { RecordValues } from '../schema/types.ts';
import { formatDatetime } from '../store/values.ts';
import { isPlainObject, json, parseJsonBody, sfError, type EmuRequest, type EmuResponse, type Route } from '../http/types.ts';
import { API_PREFIX } from '../rest/sobjects.ts';
import { CHANNEL_NAME, STREAMING_CHANNEL } from './streaming-objects.ts';

/** Longest payload Salesforce accepts: 3,000 single-byte characters. */
const MAX_PAYLOAD = 3000;

/** Who is listening: the CometD server answers with the users subscribed to a channel. */
export interface SubscriberDirectory {
  subscribers(channel: string): Set<string>;
}

/** The live StreamingChannel named `name` (case-sensitive, as channel names are). */
export function streamingChannelNamed(org: Org, name: string): RecordValues | undefined {
  for (const row of org.store.table(STREAMING_CHANNEL)?.rows.values() ?? []) {
    if (row.deletedAt === null && row.values['Name'] === name) return row.values;
  }
  return undefined;
}

/**
 * Creates the StreamingChannel a subscription asks for when the org allows dynamic channels.
 * The platform creates it (IsDynamic, which no API call may set), so it is stored directly,
 * owned by the subscriber, without the save path's rules or change events.
 */
export function createDynamicChannel(org: Org, name: string, userId: string): boolean {
  const table = org.store.table(STREAMING_CHANNEL);
  if (table === undefined || !CHANNEL_NAME.test(name) || name.length > 80) return false;
  const stamp = formatDatetime(org.store.stamp());
  org.store.restore(
    STREAMING_CHANNEL,
    {
      ...table.template,
      Id: org.store.ids.next(table.def.keyPrefix),
      IsDeleted: false,
      CreatedDate: stamp,
      CreatedById: userId,
      LastModifiedDate: stamp,
      LastModifiedById: userId,
      SystemModstamp: stamp,
      OwnerId: userId,
      Name: name,
      IsDynamic: true,
    },
    null,
  );
  org.store.finishRestore();
  return true;
}

/** The channel's name from the path's record id, or the 404 a missing record gets. */
function channelName(org: Org, rawId: string): { ok: true; name: string } | { ok: false; response: EmuResponse } {
  const id = normalizeId(decodeURIComponent(rawId));
  const found = id === undefined ? undefined : org.store.get(id);
  if (found === undefined || found.table.def.name !== STREAMING_CHANNEL) return { ok: false, response: sfError(404, 'NOT_FOUND', 'The requested resource does not exist') };
  if (found.deleted) return { ok: false, response: sfError(404, 'ENTITY_IS_DELETED', 'entity is deleted') };
  return { ok: true, name: String(found.values['Name']) };
}

interface PushEvent {
  payload: string;
  /** The named users as 18-character ids; empty for a broadcast. */
  userIds: string[];
  /** The ids as the request wrote them, for userOnlineStatus. */
  given: string[];
}

/** Reads `{pushEvents: [{payload, userIds?}]}`; the error codes for bad input are unverified. */
function readPushEvents(body: unknown): PushEvent[] | EmuResponse {
  const list = isPlainObject(body) ? body['pushEvents'] : undefined;
  if (!Array.isArray(list) || list.length === 0) return sfError(400, 'JSON_PARSER_ERROR', 'pushEvents must be a non-empty array of {payload, userIds}');
  const events: PushEvent[] = [];
  for (const item of list) {
    if (!isPlainObject(item) || typeof item['payload'] !== 'string') return sfError(400, 'JSON_PARSER_ERROR', 'each push event needs a string payload');
    const payload = item['payload'];
    if (payload.length > MAX_PAYLOAD) return sfError(400, 'STRING_TOO_LONG', `payload: data value too large (max length=${MAX_PAYLOAD})`);
    const rawIds: unknown = item['userIds'] ?? [];
    if (!Array.isArray(rawIds)) return sfError(400, 'JSON_PARSER_ERROR', 'userIds must be an array of user ids');
    const userIds: string[] = [];
    const given: string[] = [];
    for (const raw of rawIds) {
      const id = typeof raw === 'string' ? normalizeId(raw) : undefined;
      if (id === undefined || !id.startsWith('005')) return sfError(400, 'MALFORMED_ID', `invalid user id: ${String(raw)}`);
      userIds.push(id);
      given.push(raw as string);
    }
    events.push({ payload, userIds, given });
  }
  return events;
}

/**
 * Publishes one push and answers its result: a broadcast reports fanoutCount -1 (0 when nobody
 * listens) and no per-user status; a targeted push counts the named users that are subscribed.
 */
function push(org: Org, channel: string, event: PushEvent, listening: Set<string>): Record<string, unknown> {
  const createdDate = new Date(org.store.now()).toISOString();
  const audience = event.userIds.length === 0 ? undefined : event.userIds;
  org.bus.publish(channel, (replayId) => ({ event: { createdDate, replayId }, payload: event.payload }), audience);
  org.countEvents(0, 1);
  if (audience === undefined) return { fanoutCount: listening.size === 0 ? 0 : -1, userOnlineStatus: {} };
  const userOnlineStatus: Record<string, boolean> = {};
  event.userIds.forEach((id, i) => {
    userOnlineStatus[event.given[i] ?? id] = listening.has(id);
  });
  return { fanoutCount: new Set(event.userIds.filter((id) => listening.has(id))).size, userOnlineStatus };
}

function pushRoute(method: 'GET' | 'POST', handler: (req: EmuRequest) => EmuResponse): Route {
  // Object names in REST paths are case-insensitive; this route must precede the sobject routes,
  // whose external-id lookup (/sobjects/X/{field}/{value}) would otherwise take the path.
  return { method, pattern: new RegExp(`^${API_PREFIX}/sobjects/streamingchannel/([^/]+)/push/?$`, 'i'), auth: true, counted: true, kind: 'rest', handler };
}

export function streamingChannelRoutes(org: Org, directory: SubscriberDirectory): Route[] {
  return [
    pushRoute('GET', (req) => {
      const channel = channelName(org, req.params[0] ?? '');
      if (!channel.ok) return channel.response;
      return json(200, { OnlineUserIds: [...directory.subscribers(channel.name)], ChannelName: channel.name });
    }),
    pushRoute('POST', (req) => {
      const channel = channelName(org, req.params[0] ?? '');
      if (!channel.ok) return channel.response;
      const body = parseJsonBody(req);
      if (!body.ok) return body.response;
      const events = readPushEvents(body.value);
      if (!Array.isArray(events)) return events;
      const name = channel.name;
      return json(200, events.map((e) => push(org, name, e, directory.subscribers(name))), events.length);
    }),
  ];
}
