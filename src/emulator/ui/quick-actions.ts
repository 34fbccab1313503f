// Quick actions: the standard global create actions of a Developer Edition org (NewAccount,
// NewContact, NewOpportunity, NewCase, NewLead, and NewTask and LogACall once Task exists). As in
// Salesforce, an object's quickActions list them too, and run from a record (a `contextId`) they
// fill the target's lookup to that record: NewContact from an Account sets AccountId, LogACall
// from an Account sets WhatId (jsforce's own test against a real org checks exactly that).
import { normalizeId } from '../ids.ts';
import type { Org } from '../org.ts';
import type { FieldDef, ObjectDef, RecordValues } from '../schema/types.ts';
import { isPlainObject, json, parseJsonBody, sfError, type EmuRequest, type EmuResponse } from '../http/types.ts';
import { saveErrorResponse, userOf } from '../rest/sobjects.ts';
import { fieldItem, fieldDescribes, isRequiredOnLayout, NOT_FOUND, placeholderItem } from './common.ts';
import { colorsOf, iconsOf, iconUrlsOf, lookOf } from './icons.ts';

interface ActionSpec {
  name: string;
  label: string;
  /** Salesforce's action type: Create for most, LogACall for Log a Call. */
  type: string;
  target: string;
  /** Fields on the action's layout, in order, when the target has them. */
  fields: string[];
  /** Values the action sets before the user types anything. */
  predefined?: Record<string, unknown>;
}

const GLOBAL_ACTIONS: ActionSpec[] = [
  { name: 'NewAccount', label: 'New Account', type: 'Create', target: 'Account', fields: ['Name', 'Phone', 'Website', 'Type', 'Industry'] },
  { name: 'NewContact', label: 'New Contact', type: 'Create', target: 'Contact', fields: ['Salutation', 'FirstName', 'LastName', 'AccountId', 'Title', 'Email', 'Phone'] },
  { name: 'NewOpportunity', label: 'New Opportunity', type: 'Create', target: 'Opportunity', fields: ['Name', 'AccountId', 'CloseDate', 'StageName', 'Amount'] },
  { name: 'NewCase', label: 'New Case', type: 'Create', target: 'Case', fields: ['ContactId', 'AccountId', 'Status', 'Priority', 'Origin', 'Subject', 'Description'] },
  { name: 'NewLead', label: 'New Lead', type: 'Create', target: 'Lead', fields: ['FirstName', 'LastName', 'Company', 'Title', 'Email', 'Phone', 'Status'] },
  { name: 'NewTask', label: 'New Task', type: 'Create', target: 'Task', fields: ['Subject', 'ActivityDate', 'WhoId', 'WhatId', 'OwnerId', 'Status', 'Priority'] },
  { name: 'LogACall', label: 'Log a Call', type: 'LogACall', target: 'Task', fields: ['Subject', 'Description', 'WhoId', 'WhatId'], predefined: { Subject: 'Call', Status: 'Completed' } },
];

export interface QuickAction {
  spec: ActionSpec;
  target: ObjectDef;
  fields: FieldDef[];
}

/** The actions whose target object exists in this org's schema. */
export function globalActions(org: Org): QuickAction[] {
  const actions: QuickAction[] = [];
  for (const spec of GLOBAL_ACTIONS) {
    const target = org.schema.get(spec.target);
    if (target === undefined || !target.createable) continue;
    const listed = spec.fields.map((n) => target.fieldMap.get(n.toLowerCase())).filter((f): f is FieldDef => f !== undefined && f.createable);
    // A required field missing from the layout would make every execution fail: Salesforce asks
    // admins to put required fields on actions, so the generated layout always has them.
    const required = target.fields.filter((f) => isRequiredOnLayout(f) && !listed.includes(f));
    actions.push({ spec, target, fields: [...listed, ...required] });
  }
  return actions;
}

function findAction(org: Org, rawName: string, context: ObjectDef | null): QuickAction | undefined {
  let name = decodeURIComponent(rawName);
  // Actions are also addressed by their qualified name (Account.NewContact) in an object's context.
  if (context !== null && name.toLowerCase().startsWith(`${context.name.toLowerCase()}.`)) name = name.slice(context.name.length + 1);
  return globalActions(org).find((a) => a.spec.name.toLowerCase() === name.toLowerCase());
}

/** The target's lookup that a record of `context` fills (AccountId for an Account, WhatId or WhoId on a Task). */
export function contextField(action: QuickAction, context: ObjectDef): FieldDef | undefined {
  return action.target.fields.find((f) => f.type === 'reference' && f.createable && f.referenceTo.includes(context.name) && !['OwnerId', 'CreatedById', 'LastModifiedById'].includes(f.name));
}

function actionBase(action: QuickAction, context: ObjectDef | null, version: string): string {
  const prefix = context === null ? '' : `/sobjects/${context.name}`;
  return `/services/data/v${version}${prefix}/quickActions/${action.spec.name}`;
}

function urlsOf(action: QuickAction, context: ObjectDef | null, version: string): Record<string, string> {
  const base = actionBase(action, context, version);
  return { defaultValuesTemplate: `${base}/defaultValues/{ID}`, quickAction: base, describe: `${base}/describe`, defaultValues: `${base}/defaultValues` };
}

function summary(action: QuickAction, context: ObjectDef | null, version: string): Record<string, unknown> {
  return { actionEnumOrId: action.spec.name, label: action.spec.label, name: action.spec.name, type: action.spec.type, urls: urlsOf(action, context, version) };
}

/** An entry of a page layout's quickActionList. */
export function quickActionListItem(action: QuickAction, baseUrl: string): Record<string, unknown> {
  const look = lookOf(action.target);
  return {
    accessLevelRequired: null,
    colors: colorsOf(look),
    ...iconUrlsOf(look, baseUrl),
    icons: iconsOf(look, baseUrl),
    label: action.spec.label,
    quickActionName: action.spec.name,
    targetSobjectType: action.target.name,
    type: action.spec.type,
    urls: {},
  };
}

/** The value a field starts with on the action: the action's predefined value, else the field's default. */
function initialValue(action: QuickAction, f: FieldDef): unknown {
  const predefined = action.spec.predefined?.[f.name];
  if (predefined !== undefined) return predefined;
  const picklistDefault = f.picklistValues.find((p) => p.defaultValue && p.active)?.value;
  if (picklistDefault !== undefined) return picklistDefault;
  return f.type === 'boolean' ? (f.defaultValue ?? false) : (f.defaultValue ?? null);
}

function layoutOf(action: QuickAction, version: string): Record<string, unknown> {
  const details = fieldDescribes(action.target, version);
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < action.fields.length; i += 2) {
    const pair = action.fields.slice(i, i + 2);
    const items = pair.map((f, j) => fieldItem(f, details, i + j + 1, true));
    if (items.length === 1) items.push(placeholderItem());
    rows.push({ layoutItems: items, numItems: items.length });
  }
  return { collapsed: false, columns: 2, heading: null, layoutRows: rows, layoutSectionId: null, parentLayoutId: null, rows: rows.length, tabOrder: 'LeftToRight', useCollapsibleSection: false, useHeading: false };
}

function describeAction(action: QuickAction, context: ObjectDef | null, req: EmuRequest): Record<string, unknown> {
  const look = lookOf(action.target);
  const parent = context === null ? undefined : contextField(action, context);
  const defaults = action.fields.map((f) => ({ defaultValue: initialValue(action, f), field: f.name })).filter((d) => d.defaultValue !== null);
  return {
    ...summary(action, context, req.apiVersion),
    accessLevelRequired: null,
    canvasApplicationId: null,
    canvasApplicationName: null,
    colors: colorsOf(look),
    contextSobjectType: context?.name ?? null,
    defaultValues: defaults,
    flowDevName: null,
    flowRecordIdVar: null,
    height: null,
    iconName: null,
    ...iconUrlsOf(look, req.baseUrl),
    icons: iconsOf(look, req.baseUrl),
    layout: layoutOf(action, req.apiVersion),
    lightningComponentBundleId: null,
    lightningComponentBundleName: null,
    lightningComponentQualifiedName: null,
    lightningWebComponentBundleId: null,
    lightningWebComponentBundleName: null,
    lightningWebComponentQualifiedName: null,
    mobileExtensionId: null,
    showQuickActionLcHeader: false,
    showQuickActionVfHeader: false,
    targetParentField: parent?.name ?? null,
    targetRecordTypeId: null,
    targetSobjectType: action.target.name,
    visualforcePageName: null,
    visualforcePageUrl: null,
    width: null,
  };
}

/** The context record and the target field it fills, or Salesforce's refusal of the id. */
function resolveContext(org: Org, action: QuickAction, context: ObjectDef | null, rawId: string): { id: string; field: FieldDef } | EmuResponse {
  const id = normalizeId(rawId);
  const found = id === undefined ? undefined : org.store.get(id);
  const invalid = sfError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id: ${rawId}`);
  if (id === undefined || found === undefined || found.deleted) return invalid;
  if (context !== null && found.table.def !== context) return invalid;
  const field = contextField(action, found.table.def);
  return field === undefined ? invalid : { id, field };
}

function defaultValues(org: Org, action: QuickAction, context: ObjectDef | null, rawContextId: string | null): EmuResponse {
  const values: RecordValues = { attributes: { type: action.target.name } };
  for (const f of action.fields) values[f.name] = initialValue(action, f);
  if (rawContextId !== null) {
    const resolved = resolveContext(org, action, context, decodeURIComponent(rawContextId));
    if ('status' in resolved) return resolved;
    values[resolved.field.name] = resolved.id;
  }
  return json(200, values);
}

/** POST: creates the target record through the store, as the action's Save button does. */
function execute(org: Org, action: QuickAction, context: ObjectDef | null, req: EmuRequest): EmuResponse {
  const body = parseJsonBody(req);
  if (!body.ok) return body.response;
  if (!isPlainObject(body.value)) return sfError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  const { contextId, record } = body.value;
  if (record !== undefined && !isPlainObject(record)) return sfError(400, 'JSON_PARSER_ERROR', 'record must be a JSON object');
  if (contextId !== undefined && contextId !== null && typeof contextId !== 'string') return sfError(400, 'JSON_PARSER_ERROR', 'contextId must be a string');
  const input: RecordValues = {};
  for (const f of action.fields) {
    const value = initialValue(action, f);
    if (value !== null) input[f.name] = value;
  }
  const { attributes: _ignored, ...fields } = record ?? {};
  Object.assign(input, fields);
  let resolvedContext: string | null = null;
  if (typeof contextId === 'string' && contextId !== '') {
    const resolved = resolveContext(org, action, context, contextId);
    if ('status' in resolved) return resolved;
    input[resolved.field.name] = resolved.id;
    resolvedContext = resolved.id;
  }
  const result = org.store.create(action.target.name, input, { userId: userOf(org, req) });
  if (!result.success) return saveErrorResponse(result);
  return json(201, { contextId: resolvedContext, created: true, errors: [], feedItemIds: [], id: result.id, success: true }, 1);
}

/** `GET .../quickActions` for the org (context null) or an object. */
export function listActions(org: Org, context: ObjectDef | null, req: EmuRequest): EmuResponse {
  return json(200, globalActions(org).map((a) => summary(a, context, req.apiVersion)));
}

export type ActionOperation = 'get' | 'describe' | 'defaultValues' | 'execute';

/** One action's resource: `/quickActions/{name}[/describe|/defaultValues[/{contextId}]]`, also under /sobjects/{T}. */
export function actionResource(org: Org, context: ObjectDef | null, rawName: string, operation: ActionOperation, req: EmuRequest, rawContextId: string | null = null): EmuResponse {
  const action = findAction(org, rawName, context);
  if (action === undefined) return NOT_FOUND();
  switch (operation) {
    case 'get':
    case 'describe':
      return json(200, describeAction(action, context, req));
    case 'defaultValues':
      return defaultValues(org, action, context, rawContextId);
    case 'execute':
      return execute(org, action, context, req);
  }
}
