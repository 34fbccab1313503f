// The Streaming API's Bayeux server: long polling only, which is what jsforce's faye client
// uses against Salesforce. A hand-written endpoint because faye's own server adapter did not
// interoperate with faye's Node client here (see SALESFORCE_API.md section 8).
import { randomToken } from '../ids.ts';
import type { Org } from '../org.ts';
import { changeEventName } from './change-events.ts';
import { channelMatches, reaches, type StreamEvent } from './event-bus.ts';
import { createDynamicChannel, streamingChannelNamed, type SubscriberDirectory } from './generic-streaming.ts';
import { PushTopicNotifier, pushTopicNamed } from './push-topics.ts';
import { isPlainObject, json, type EmuRequest, type EmuResponse, type Route } from '../http/types.ts';

type Message = Record<string, unknown>;

interface Client {
  id: string;
  userId: string;
  subscriptions: Set<string>;
  queue: Message[];
  wake: (() => void) | null;
  connected: boolean;
  lastSeen: number;
}

const BAYEUX_VERSION = '1.0';

export class CometdServer implements SubscriberDirectory {
  readonly #org: Org;
  readonly #clients = new Map<string, Client>();
  readonly #timeoutMs: number;

  constructor(org: Org) {
    this.#org = org;
    this.#timeoutMs = org.options.streamingTimeoutMs;
    // PushTopic notifications follow the store's commits for as long as the org streams.
    new PushTopicNotifier(org);
    org.bus.onEvent((event) => this.#deliver(event));
  }

  /** Users with a live client subscribed to exactly `channel` (a generic channel's online users). */
  subscribers(channel: string): Set<string> {
    const users = new Set<string>();
    for (const client of this.#clients.values()) if (client.subscriptions.has(channel)) users.add(client.userId);
    return users;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Drops every client (test reset, a dropped connection); their next connect is told to handshake again. */
  clear(): number {
    const count = this.#clients.size;
    for (const client of this.#clients.values()) client.wake?.();
    this.#clients.clear();
    return count;
  }

  routes(): Route[] {
    return [
      {
        method: 'POST',
        pattern: /^\/cometd\/(\d+\.\d)(?:\/[a-z/]*)?$/,
        auth: false,
        counted: false,
        kind: 'streaming',
        handler: (req) => this.#handle(req),
      },
      {
        // faye probes the endpoint with plain GETs (WebSocket / EventSource) before it settles on
        // long polling; an error status makes it move on.
        method: 'GET',
        pattern: /^\/cometd\/(\d+\.\d)(?:\/[a-z/]*)?$/,
        auth: false,
        counted: false,
        kind: 'streaming',
        handler: () => json(400, [{ error: '400::Only long-polling is supported', successful: false }]),
      },
    ];
  }

  #advice(reconnect: 'retry' | 'handshake' | 'none'): Message {
    return { interval: 0, timeout: this.#timeoutMs, reconnect };
  }

  #sweep(now: number): void {
    for (const [id, client] of this.#clients) {
      if (client.wake === null && now - client.lastSeen > this.#timeoutMs * 2 + 30_000) this.#clients.delete(id);
    }
  }

  async #handle(req: EmuRequest): Promise<EmuResponse> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString('utf8'));
    } catch {
      return json(400, [{ successful: false, error: '400::Invalid JSON' }]);
    }
    const messages = (Array.isArray(parsed) ? parsed : [parsed]).filter(isPlainObject);
    const now = this.#org.store.now();
    this.#sweep(now);
    const header = req.headers.authorization ?? '';
    const token = /^(?:OAuth|Bearer)\s+(.+)$/i.exec(header.trim())?.[1];
    const session = token === undefined ? undefined : this.#org.auth.lookup(token);
    if (session === undefined || !session.ok) {
      // Bayeux-level refusal with reconnect "none": jsforce's AuthFailure extension looks for it.
      return json(
        200,
        messages.map((m) => ({ channel: m['channel'], id: m['id'], clientId: m['clientId'], successful: false, error: '401::Authentication invalid', advice: { reconnect: 'none', interval: 0 } })),
      );
    }
    const replies: Message[] = [];
    let connect: Message | null = null;
    for (const m of messages) {
      const channel = m['channel'];
      switch (channel) {
        case '/meta/handshake':
          replies.push(this.#handshake(m, session.session.userId, now));
          break;
        case '/meta/connect':
          connect = m;
          break;
        case '/meta/subscribe':
          replies.push(this.#subscribe(m, now));
          break;
        case '/meta/unsubscribe':
          replies.push(this.#unsubscribe(m));
          break;
        case '/meta/disconnect': {
          const client = this.#clients.get(String(m['clientId']));
          client?.wake?.();
          this.#clients.delete(String(m['clientId']));
          replies.push({ channel, id: m['id'], clientId: m['clientId'], successful: true });
          break;
        }
        default:
          replies.push({ channel, id: m['id'], clientId: m['clientId'], successful: false, error: `405::Publishing to ${String(channel)} is not supported` });
      }
    }
    if (connect !== null) replies.push(...(await this.#connect(connect, req)));
    return json(200, replies);
  }

  #handshake(m: Message, userId: string, now: number): Message {
    const id = randomToken(30);
    this.#clients.set(id, { id, userId, subscriptions: new Set(), queue: [], wake: null, connected: false, lastSeen: now });
    return {
      channel: '/meta/handshake',
      id: m['id'],
      version: BAYEUX_VERSION,
      minimumVersion: BAYEUX_VERSION,
      supportedConnectionTypes: ['long-polling'],
      clientId: id,
      successful: true,
      ext: { replay: true, 'payload.format': true },
      advice: this.#advice('retry'),
    };
  }

  #unknownClient(m: Message): Message {
    return { channel: m['channel'], id: m['id'], clientId: m['clientId'], successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake', interval: 0 } };
  }

  /**
   * /topic/{Name} needs a PushTopic of that name (active or not); /u/{name} a StreamingChannel,
   * which a subscription creates when the org allows dynamic channels.
   */
  #validChannel(channel: string, userId: string): boolean {
    if (channel === '/data/ChangeEvents') return true;
    if (channel.startsWith('/topic/')) return pushTopicNamed(this.#org, channel.slice('/topic/'.length)) !== undefined;
    if (channel.startsWith('/u/')) {
      if (streamingChannelNamed(this.#org, channel) !== undefined) return true;
      return this.#org.options.dynamicStreamingChannels && createDynamicChannel(this.#org, channel, userId);
    }
    const data = /^\/data\/(.+)$/.exec(channel);
    if (data !== null) return this.#org.schema.objects.some((o) => !o.isEvent && changeEventName(o.name) === data[1]);
    const event = /^\/event\/(.+)$/.exec(channel);
    if (event !== null) return this.#org.schema.get(event[1] ?? '')?.isEvent === true;
    return false;
  }

  #subscribe(m: Message, now: number): Message {
    const client = this.#clients.get(String(m['clientId']));
    if (client === undefined) return this.#unknownClient(m);
    client.lastSeen = now;
    const subscription = String(m['subscription']);
    const base = { channel: '/meta/subscribe', id: m['id'], clientId: client.id, subscription };
    if (!this.#validChannel(subscription, client.userId)) return { ...base, successful: false, error: `400::The channel you requested to subscribe to does not exist {${subscription}}` };
    const ext = isPlainObject(m['ext']) ? m['ext'] : {};
    const replayMap = isPlainObject(ext['replay']) ? ext['replay'] : {};
    const rawReplay = replayMap[subscription];
    const replayId = rawReplay === undefined || rawReplay === null ? -1 : Number(rawReplay);
    const replay = Number.isInteger(replayId) ? this.#org.bus.replay(subscription, replayId) : { ok: false as const };
    if (!replay.ok) {
      return {
        ...base,
        successful: false,
        error: `400::The replayId {${String(rawReplay)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
      };
    }
    client.subscriptions.add(subscription);
    const replayed = replay.events.filter((e) => reaches(e, client.userId));
    for (const event of replayed) client.queue.push(this.#message(subscription, event));
    if (replayed.length > 0) client.wake?.();
    return { ...base, successful: true };
  }

  #unsubscribe(m: Message): Message {
    const client = this.#clients.get(String(m['clientId']));
    if (client === undefined) return this.#unknownClient(m);
    client.subscriptions.delete(String(m['subscription']));
    return { channel: '/meta/unsubscribe', id: m['id'], clientId: client.id, subscription: m['subscription'], successful: true };
  }

  #message(subscription: string, event: StreamEvent): Message {
    return { channel: subscription, data: event.data };
  }

  #deliver(event: StreamEvent): void {
    for (const client of this.#clients.values()) {
      if (!reaches(event, client.userId)) continue;
      let matched = false;
      for (const sub of client.subscriptions) {
        if (channelMatches(sub, event.channel)) {
          client.queue.push(this.#message(sub, event));
          matched = true;
        }
      }
      if (matched) client.wake?.();
    }
  }

  /** Answers at once when events are queued (or on the first connect), else holds the poll. */
  async #connect(m: Message, req: EmuRequest): Promise<Message[]> {
    const client = this.#clients.get(String(m['clientId']));
    if (client === undefined) return [this.#unknownClient(m)];
    const reply = (): Message => ({ channel: '/meta/connect', id: m['id'], clientId: client.id, successful: true, advice: this.#advice('retry') });
    if (!client.connected || client.queue.length > 0) {
      client.connected = true;
      return this.#drain(client, reply());
    }
    client.wake?.();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        req.signal.removeEventListener('abort', done);
        if (client.wake === done) client.wake = null;
        resolve();
      };
      const timer = setTimeout(done, this.#timeoutMs);
      req.signal.addEventListener('abort', done, { once: true });
      client.wake = done;
    });
    client.lastSeen = this.#org.store.now();
    if (!this.#clients.has(client.id)) return [this.#unknownClient(m)];
    return this.#drain(client, reply());
  }

  #drain(client: Client, reply: Message): Message[] {
    const events = client.queue;
    client.queue = [];
    this.#org.countEvents(events.length, 0);
    return [...events, reply];
  }
}
