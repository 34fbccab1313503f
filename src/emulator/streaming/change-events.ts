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

  /** Publishes one event per changed record; records of one transaction share its key. */
  handle(changes: RecordChange[]): number {
    let published = 0;
    const sequences = new Map<string, number>();
    const commitNumber = ++this.#commitNumber;
    for (const change of changes) {
      if (change.objectName === 'User' || change.objectName === 'Organization' || !this.isEnabled(change.objectName)) continue;
      const seq = (sequences.get(change.transactionKey) ?? 0) + 1;
      sequences.set(change.transactionKey, seq);
      const entity = changeEventName(change.objectName);
      const payload: Record<string, unknown> = {
        ChangeEventHeader: {
          entityName: change.objectName,
          recordIds: [change.recordId],
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
      };
      if (change.changeType === 'CREATE' || change.changeType === 'UPDATE' || change.changeType === 'UNDELETE') {
        for (const [k, v] of Object.entries(change.values)) {
          if (k === 'Id' || k === 'IsDeleted' || k === 'SystemModstamp') continue;
          if (change.changeType !== 'UPDATE' && (v === null || v === undefined)) continue;
          payload[k] = cdcValue(v);
        }
      }
      this.#bus.publish(`/data/${entity}`, (replayId) => ({
        schema: `emulator-${entity}`,
        payload,
        event: { replayId },
      }));
      published += 1;
    }
    return published;
  }
}
