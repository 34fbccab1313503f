// Turns store changes into Change Data Capture events in the CometD JSON shape.
import type { RecordChange } from '../store/store.ts';
import type { EventBus } from './event-bus.ts';

export function changeEventName(objectName: string): string {
  return objectName.endsWith('__c') ? `${objectName.slice(0, -3)}__ChangeEvent` : `${objectName}ChangeEvent`;
}

/** CDC payloads write datetimes with a Z suffix rather than REST's +0000. */
function cdcValue(value: unknown): unknown {
  // Stored datetimes are exactly yyyy-MM-ddTHH:mm:ss.SSS+0000 (28 characters); a cheap shape
  // check keeps this off the profile of 100k-record loads.
  if (typeof value === 'string' && value.length === 28 && value.charCodeAt(10) === 84 && value.endsWith('+0000')) return `${value.slice(0, 23)}Z`;
  return value;
}

// Setup-like objects whose changes publish no change events (PushTopic and StreamingChannel
// cannot be selected for Change Data Capture).
const NO_CHANGE_EVENTS: ReadonlySet<string> = new Set(['User', 'Organization', 'PushTopic', 'StreamingChannel']);

export class ChangeDataCapture {
  readonly #bus: EventBus;
  #enabled: Set<string> | 'all';
  #commitNumber = 0;

  constructor(bus: EventBus, enabled: string[] | 'all') {
    this.#bus = bus;
    this.#enabled = enabled === 'all' ? 'all' : new Set(enabled.map((n) => n.toLowerCase()));
  }

  setEnabled(enabled: string[] | 'all'): void {
    this.#enabled = enabled === 'all' ? 'all' : new Set(enabled.map((n) => n.toLowerCase()));
  }

  isEnabled(objectName: string): boolean {
    return this.#enabled === 'all' || this.#enabled.has(objectName.toLowerCase());
  }

  /**
   * Publishes the changes of one transaction: records whose change is the same (type, fields and
   * values, as when one statement sets a field on many records) share one event naming all their
   * ids, as Salesforce does; the others get one event each. Events of a transaction share its key.
   */
  handle(changes: RecordChange[]): number {
    const commitNumber = ++this.#commitNumber;
    const groups = new Map<string, { change: RecordChange; payload: Record<string, unknown>; recordIds: string[] }>();
    for (const change of changes) {
      if (NO_CHANGE_EVENTS.has(change.objectName) || !this.isEnabled(change.objectName)) continue;
      const fields: Record<string, unknown> = {};
      if (change.changeType === 'CREATE' || change.changeType === 'UPDATE' || change.changeType === 'UNDELETE') {
        for (const [k, v] of Object.entries(change.values)) {
          if (k === 'Id' || k === 'IsDeleted' || k === 'SystemModstamp') continue;
          if (change.changeType !== 'UPDATE' && (v === null || v === undefined)) continue;
          fields[k] = cdcValue(v);
        }
      }
      // Creates and undeletes carry each record's own values (and its own Id-derived fields):
      // only updates and deletes of one transaction are merged.
      const key = change.changeType === 'UPDATE' || change.changeType === 'DELETE'
        ? JSON.stringify([change.transactionKey, change.objectName, change.changeType, change.userId, change.changedFields, change.nulledFields, fields])
        : `${change.transactionKey}:${change.recordId}`;
      const group = groups.get(key);
      if (group !== undefined) group.recordIds.push(change.recordId);
      else groups.set(key, { change, payload: fields, recordIds: [change.recordId] });
    }
    const sequences = new Map<string, number>();
    for (const { change, payload, recordIds } of groups.values()) {
      const seq = (sequences.get(change.transactionKey) ?? 0) + 1;
      sequences.set(change.transactionKey, seq);
      this.#publish(change.objectName, {
        ChangeEventHeader: {
          entityName: change.objectName,
          recordIds,
          changeType: change.changeType,
          changeOrigin: 'com/salesforce/api/rest/60.0;client=ferry-emulator',
          transactionKey: change.transactionKey,
          sequenceNumber: seq,
          commitTimestamp: change.commitTimestamp,
          commitNumber,
          commitUser: change.userId,
          changedFields: change.changeType === 'UPDATE' ? change.changedFields : [],
          nulledFields: change.nulledFields,
          diffFields: [],
        },
        ...payload,
      });
    }
    return groups.size;
  }

  /**
   * A gap event, as Salesforce sends when it could not build a change event from its transaction
   * log (or a change happened outside it): the header names the records, no field values.
   */
  publishGap(objectName: string, recordIds: string[], changeType: 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_DELETE' | 'GAP_UNDELETE', userId: string, now: number): void {
    this.#publish(objectName, this.#bareHeader(objectName, recordIds, changeType, userId, now));
  }

  /** A transaction over the event limit: one GAP_OVERFLOW event that names the object, not its records. */
  publishOverflow(objectName: string, userId: string, now: number): void {
    this.#publish(objectName, this.#bareHeader(objectName, [], 'GAP_OVERFLOW', userId, now));
  }

  #bareHeader(objectName: string, recordIds: string[], changeType: string, userId: string, now: number): Record<string, unknown> {
    return {
      ChangeEventHeader: {
        entityName: objectName,
        recordIds,
        changeType,
        changeOrigin: '',
        transactionKey: `gap-${++this.#commitNumber}`,
        sequenceNumber: 1,
        commitTimestamp: now,
        commitNumber: this.#commitNumber,
        commitUser: userId,
        changedFields: [],
        nulledFields: [],
        diffFields: [],
      },
    };
  }

  #publish(objectName: string, payload: Record<string, unknown>): void {
    const entity = changeEventName(objectName);
    this.#bus.publish(`/data/${entity}`, (replayId) => ({ schema: `emulator-${entity}`, payload, event: { replayId } }));
  }

  /** The objects selected for change events, as the Tooling API's PlatformEventChannelMember lists them. */
  selected(allObjects: string[]): string[] {
    return this.#enabled === 'all' ? allObjects : allObjects.filter((o) => this.isEnabled(o));
  }
}
