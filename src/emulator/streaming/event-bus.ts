// Retained streaming events with replay ids. Change events are stored once, on their entity
// channel (/data/AccountChangeEvent); /data/ChangeEvents sees every change event with the same
// replay id, as in Salesforce where both channels share one event stream.

export interface StreamEvent {
  channel: string;
  replayId: number;
  createdAt: number;
  /** The Bayeux `data` member: {schema, payload, event: {replayId}}. */
  data: Record<string, unknown>;
  /** Users the event is for (a generic push naming userIds); absent means every subscriber. */
  audience?: string[];
}

/** Whether a subscriber acting as `userId` may receive `event`. */
export function reaches(event: StreamEvent, userId: string): boolean {
  return event.audience === undefined || event.audience.includes(userId);
}

export type ReplayOutcome = { ok: true; events: StreamEvent[] } | { ok: false };

export function channelMatches(subscription: string, eventChannel: string): boolean {
  if (subscription === eventChannel) return true;
  if (subscription === '/data/ChangeEvents') return eventChannel.startsWith('/data/') && eventChannel.endsWith('ChangeEvent');
  return false;
}

export class EventBus {
  // Retained events are events[head..]; trimming moves head and compacts now and then, so that
  // publishing stays O(1) when the retention count is reached on every event.
  #events: StreamEvent[] = [];
  #head = 0;
  #nextReplayId = 1;
  #listeners = new Set<(event: StreamEvent) => void>();
  readonly #retentionMs: number;
  readonly #retentionCount: number;
  readonly #now: () => number;

  constructor(retentionMs: number, retentionCount: number, now: () => number) {
    this.#retentionMs = retentionMs;
    this.#retentionCount = retentionCount;
    this.#now = now;
  }

  publish(channel: string, build: (replayId: number) => Record<string, unknown>, audience?: string[]): StreamEvent {
    const replayId = this.#nextReplayId++;
    const event: StreamEvent = { channel, replayId, createdAt: this.#now(), data: build(replayId), ...(audience === undefined ? {} : { audience }) };
    this.#events.push(event);
    this.#trim();
    for (const listener of this.#listeners) listener(event);
    return event;
  }

  onEvent(listener: (event: StreamEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #trim(): void {
    const cutoff = this.#now() - this.#retentionMs;
    const events = this.#events;
    while (this.#head < events.length && ((events[this.#head]?.createdAt ?? 0) < cutoff || events.length - this.#head > this.#retentionCount)) this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > events.length) {
      this.#events = events.slice(this.#head);
      this.#head = 0;
    }
  }

  #retained(): StreamEvent[] {
    return this.#head === 0 ? this.#events : this.#events.slice(this.#head);
  }

  /**
   * Events after `replayId` on `channel`: -1 means none (new events only), -2 every retained one.
   * A replay id older than the retention window, or one never issued, is refused.
   */
  replay(channel: string, replayId: number): ReplayOutcome {
    this.#trim();
    if (replayId === -1) return { ok: true, events: [] };
    const matching = (e: StreamEvent): boolean => channelMatches(channel, e.channel);
    const retained = this.#retained();
    if (replayId === -2) return { ok: true, events: retained.filter(matching) };
    const earliest = retained[0]?.replayId ?? this.#nextReplayId;
    if (replayId < earliest - 1 || replayId >= this.#nextReplayId || replayId < 0) return { ok: false };
    return { ok: true, events: retained.filter((e) => e.replayId > replayId && matching(e)) };
  }

  get lastReplayId(): number {
    return this.#nextReplayId - 1;
  }

  clear(): void {
    this.#events = [];
    this.#head = 0;
  }

  exportState(): { nextReplayId: number; events: StreamEvent[] } {
    return { nextReplayId: this.#nextReplayId, events: this.#retained() };
  }

  importState(state: { nextReplayId: number; events: StreamEvent[] }): void {
    this.#nextReplayId = state.nextReplayId;
    this.#events = state.events;
    this.#head = 0;
  }
}
