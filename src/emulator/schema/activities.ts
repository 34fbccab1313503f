// What the platform does with activities (Task, Event) as they are saved, and the two read-only
// views of them a parent's subquery reads: ActivityHistory (closed tasks, past events) and
// OpenActivity (open tasks, events to come).
import type { ObjectBehaviour, ObjectView, RecordAccess, RecordValues, RuleError } from './types.ts';
import { formatDatetime, parseDatetime } from '../store/values.ts';

function idOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * An activity's AccountId, as the object reference gives it: the What's account (the account
 * itself, or the AccountId of an opportunity or case), else the account of a Who contact.
 */
function activityAccount(values: RecordValues, org: RecordAccess): string | null {
  const whatId = idOf(values['WhatId']);
  if (whatId !== undefined) {
    if (whatId.startsWith('001')) return whatId;
    const account = idOf(org.get(whatId)?.['AccountId']);
    if (account !== undefined) return account;
  }
  const whoId = idOf(values['WhoId']);
  return whoId?.startsWith('003') === true ? (idOf(org.get(whoId)?.['AccountId']) ?? null) : null;
}

/** Objects that carry LastActivityDate, by key prefix. */
const WITH_LAST_ACTIVITY: Record<string, string> = { '001': 'Account', '003': 'Contact', '00Q': 'Lead', '006': 'Opportunity' };

/**
 * LastActivityDate of a record: the latest due date among its events and its closed tasks, as
 * the object reference defines it (related through WhoId, WhatId or, for an account, AccountId).
 */
function lastActivityDate(org: RecordAccess, parentId: string): string | null {
  let latest: string | null = null;
  for (const source of ['Task', 'Event']) {
    for (const field of ['WhoId', 'WhatId', 'AccountId']) {
      for (const activity of org.childrenOf(source, field, parentId)) {
        const due = activity['ActivityDate'];
        if (typeof due !== 'string' || (source === 'Task' && activity['IsClosed'] !== true)) continue;
        if (latest === null || due > latest) latest = due;
      }
    }
  }
  return latest;
}

/** Recomputes LastActivityDate on every record the activity names, now or before this save. */
function touchParents(values: RecordValues, before: RecordValues | undefined, org: RecordAccess): void {
  const parents = new Set<string>();
  for (const record of before === undefined ? [values] : [values, before]) {
    for (const field of ['WhoId', 'WhatId', 'AccountId']) {
      const id = idOf(record[field]);
      if (id !== undefined) parents.add(id);
    }
  }
  for (const id of parents) {
    const objectName = WITH_LAST_ACTIVITY[id.slice(0, 3)];
    if (objectName !== undefined) org.setDerived(objectName, id, { LastActivityDate: lastActivityDate(org, id) });
  }
}

/** A task closes when its status is Completed: it then gets CompletedDateTime, and loses it when reopened. */
export const taskBehaviour: ObjectBehaviour = {
  onSave: (values, before, stamp, org) => {
    values['AccountId'] = activityAccount(values, org);
    if (values['IsClosed'] !== true) values['CompletedDateTime'] = null;
    else if (before?.['IsClosed'] !== true) values['CompletedDateTime'] = stamp;
  },
  afterCreate: (values, org) => touchParents(values, undefined, org),
  afterUpdate: (values, before, org) => touchParents(values, before, org),
};

const MINUTE = 60_000;

function missing(field: string): RuleError {
  return { statusCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${field}]`, fields: [field] };
}

/** The event's start: StartDateTime, else ActivityDateTime, else (all-day) midnight UTC of ActivityDate. */
function startOf(values: RecordValues, before: RecordValues | undefined): number | undefined {
  const activityMoved = before !== undefined && values['ActivityDateTime'] !== before['ActivityDateTime'] && values['StartDateTime'] === before['StartDateTime'];
  const given = activityMoved ? values['ActivityDateTime'] : (values['StartDateTime'] ?? values['ActivityDateTime']);
  if (typeof given === 'string') return parseDatetime(given);
  if (values['IsAllDayEvent'] === true && typeof values['ActivityDate'] === 'string') return parseDatetime(values['ActivityDate']);
  return undefined;
}

/**
 * The event's end: an EndDateTime given on this save wins, else start + DurationInMinutes (an
 * all-day event lasts a day when neither is given).
 */
function endOf(values: RecordValues, before: RecordValues | undefined, start: number): number | undefined {
  const endGiven = typeof values['EndDateTime'] === 'string' && (before === undefined ? values['DurationInMinutes'] === null : values['EndDateTime'] !== before['EndDateTime']);
  if (endGiven) return parseDatetime(values['EndDateTime'] as string);
  if (typeof values['DurationInMinutes'] === 'number') return start + values['DurationInMinutes'] * MINUTE;
  if (typeof values['EndDateTime'] === 'string') return parseDatetime(values['EndDateTime']);
  return values['IsAllDayEvent'] === true ? start + 1440 * MINUTE : undefined;
}

/**
 * Events keep StartDateTime, ActivityDateTime, EndDateTime and DurationInMinutes in step, as
 * Salesforce does: a start and either an end or a duration are required, the end not before the start.
 */
export const eventBehaviour: ObjectBehaviour = {
  validate: (values, before) => {
    const start = startOf(values, before);
    if (start === undefined) return [missing('ActivityDateTime')];
    const end = endOf(values, before, start);
    if (end === undefined) return [missing('DurationInMinutes')];
    if (end < start) return [{ statusCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'End Date/Time: The event end date must be on or after the start date.', fields: ['EndDateTime'] }];
    return [];
  },
  onSave: (values, before, _stamp, org) => {
    values['AccountId'] = activityAccount(values, org);
    const start = startOf(values, before);
    const end = start === undefined ? undefined : endOf(values, before, start);
    if (start === undefined || end === undefined) return;
    const startText = formatDatetime(start);
    const endText = formatDatetime(end);
    values['StartDateTime'] = startText;
    values['ActivityDateTime'] = startText;
    values['ActivityDate'] = startText.slice(0, 10);
    values['EndDateTime'] = endText;
    values['EndDate'] = endText.slice(0, 10);
    values['DurationInMinutes'] = Math.round((end - start) / MINUTE);
  },
  afterCreate: (values, org) => touchParents(values, undefined, org),
  afterUpdate: (values, before, org) => touchParents(values, before, org),
};

/** An activity as the views show it: the task's or event's own fields, and what kind it is. */
function asActivity(record: RecordValues, source: string, closed: boolean): RecordValues {
  const isTask = source === 'Task';
  return {
    ...record,
    IsTask: isTask,
    IsClosed: closed,
    ActivityType: record['Type'] ?? null,
    ActivitySubtype: (isTask ? record['TaskSubtype'] : record['EventSubtype']) ?? null,
  };
}

/** An event is over once its end has passed (the views move it from open to history then). */
function eventIsOver(record: RecordValues, now: number): boolean {
  const end = typeof record['EndDateTime'] === 'string' ? parseDatetime(record['EndDateTime']) : undefined;
  return end !== undefined && end <= now;
}

function compareText(a: unknown, b: unknown): number {
  const x = typeof a === 'string' ? a : '';
  const y = typeof b === 'string' ? b : '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** ActivityHistory: closed tasks and past events, newest first (ActivityDate DESC, LastModifiedDate DESC). */
export const activityHistoryView: ObjectView = {
  sources: ['Task', 'Event'],
  select: (record, source, now) => {
    const closed = source === 'Task' ? record['IsClosed'] === true : eventIsOver(record, now);
    return closed ? asActivity(record, source, true) : undefined;
  },
  order: (a, b) => compareText(b['ActivityDate'], a['ActivityDate']) || compareText(b['LastModifiedDate'], a['LastModifiedDate']),
};

/** OpenActivity: open tasks and events to come, soonest first (ActivityDate ASC, LastModifiedDate DESC). */
export const openActivityView: ObjectView = {
  sources: ['Task', 'Event'],
  select: (record, source, now) => {
    const open = source === 'Task' ? record['IsClosed'] !== true : !eventIsOver(record, now);
    return open ? asActivity(record, source, false) : undefined;
  },
  order: (a, b) => compareText(a['ActivityDate'], b['ActivityDate']) || compareText(b['LastModifiedDate'], a['LastModifiedDate']),
};
