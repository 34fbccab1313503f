// Page, compact, named, global publisher and approval layouts, generated from each object's schema
// (custom objects of the SFDX projects included), in the shapes of the REST API's describe/layouts
// resources. Every object has one page layout, assigned to the master record type, because the
// emulator has no record types and no layout metadata.
import type { Org } from '../org.ts';
import type { FieldDef, ObjectDef } from '../schema/types.ts';
import { json, type EmuRequest, type EmuResponse } from '../http/types.ts';
import {
  fieldDescribes,
  fieldItem,
  isLayoutable,
  isSystemField,
  layoutFields,
  MASTER_RECORD_TYPE_ID,
  metadataId,
  nameFieldOf,
  NOT_FOUND,
  objectNumber,
  PREFIX,
  placeholderItem,
} from './common.ts';
import { contextField, globalActions, quickActionListItem } from './quick-actions.ts';

type Json = Record<string, unknown>;

function button(name: string, label: string): Json {
  return {
    behavior: null,
    colors: null,
    content: null,
    contentSource: null,
    custom: false,
    encoding: null,
    height: null,
    icons: null,
    label,
    menubar: false,
    name,
    overridden: false,
    resizeable: false,
    scrollbars: false,
    showsLocation: false,
    showsStatus: false,
    toolbar: false,
    url: null,
    width: null,
    windowPosition: null,
  };
}

/** Two columns, filled top to bottom as Salesforce's default layouts are. */
function section(layoutId: string, sectionNumber: number, heading: string, fields: FieldDef[], details: Map<string, Json>, editable: boolean): Json {
  const half = Math.ceil(fields.length / 2);
  const rows: Json[] = [];
  for (let i = 0; i < half; i += 1) {
    const left = fields[i];
    const right = fields[half + i];
    const items = [left === undefined ? placeholderItem() : fieldItem(left, details, i + 1, editable), right === undefined ? placeholderItem() : fieldItem(right, details, half + i + 1, editable)];
    rows.push({ layoutItems: items, numItems: items.length });
  }
  return {
    collapsed: false,
    columns: 2,
    heading,
    layoutRows: rows,
    layoutSectionId: metadataId('01B', sectionNumber),
    parentLayoutId: layoutId,
    rows: rows.length,
    tabOrder: 'TopToBottom',
    useCollapsibleSection: false,
    useHeading: true,
  };
}

function relatedListsOf(org: Org, def: ObjectDef): Json[] {
  const lists: Json[] = [];
  for (const rel of def.childRelationships) {
    const child = org.schema.get(rel.childSObject);
    if (rel.relationshipName === null || child === undefined || !isLayoutable(child) || !child.queryable) continue;
    const name = nameFieldOf(child);
    const columns = name === undefined ? [] : [{ field: `${child.name}.${name.name}`, fieldApiName: name.name, format: null, label: name.label, lookupId: 'Id', name: name.name, sortable: true }];
    lists.push({
      accessLevelRequiredForCreate: null,
      buttons: child.createable ? [button('New', 'New')] : [],
      columns,
      custom: child.custom,
      field: rel.field,
      label: child.labelPlural,
      limitRows: 5,
      name: rel.relationshipName,
      sobject: child.name,
      sort: name === undefined ? [] : [{ ascending: true, column: name.name }],
    });
  }
  return lists;
}

export function layoutId(org: Org, def: ObjectDef): string {
  return metadataId(PREFIX.layout, objectNumber(org, def));
}

/** The object's page layout (a DescribeLayout). */
function pageLayout(org: Org, def: ObjectDef, req: EmuRequest): Json {
  const id = layoutId(org, def);
  const details = fieldDescribes(def, req.apiVersion);
  const main = layoutFields(def);
  const system = def.fields.filter((f) => f.name === 'CreatedById' || f.name === 'LastModifiedById');
  const n = objectNumber(org, def) * 4;
  const heading = `${def.label} Information`;
  const detailButtons = [...(def.updateable ? [button('Edit', 'Edit')] : []), ...(def.deletable ? [button('Delete', 'Delete')] : []), ...(def.createable ? [button('Clone', 'Clone')] : [])];
  const actions = globalActions(org).filter((a) => contextField(a, def) !== undefined);
  return {
    buttonLayoutSection: { detailButtons },
    detailLayoutSections: [section(id, n, heading, main, details, true), section(id, n + 1, 'System Information', system, details, true)],
    editLayoutSections: [section(id, n + 2, heading, main.filter((f) => f.createable || f.updateable), details, true)],
    feedView: null,
    highlightsPanelLayoutSection: null,
    id,
    multirowEditLayoutSections: [],
    offlineLinks: [],
    quickActionList: { quickActionListItems: actions.map((a) => quickActionListItem(a, req.baseUrl)) },
    relatedContent: null,
    relatedLists: relatedListsOf(org, def),
    saveOptions: [],
  };
}

function masterMapping(org: Org, def: ObjectDef, version: string): Json {
  const picklists = def.fields.filter((f) => (f.type === 'picklist' || f.type === 'multipicklist') && !isSystemField(f));
  return {
    active: true,
    available: true,
    defaultRecordTypeMapping: true,
    developerName: 'Master',
    layoutId: layoutId(org, def),
    master: true,
    name: 'Master',
    picklistsForRecordType: picklists.map((f) => ({
      picklistName: f.name,
      picklistValues: f.picklistValues.map((p) => ({ active: p.active, defaultValue: p.defaultValue, label: p.label, validFor: null, value: p.value })),
    })),
    recordTypeId: MASTER_RECORD_TYPE_ID,
    urls: { layout: `/services/data/v${version}/sobjects/${def.name}/describe/layouts/${MASTER_RECORD_TYPE_ID}` },
  };
}

/** `describe/layouts`: with no record types but the master, `layouts` holds the one layout. */
export function layoutsResponse(org: Org, def: ObjectDef, req: EmuRequest): EmuResponse {
  return json(200, { layouts: [pageLayout(org, def, req)], recordTypeMappings: [masterMapping(org, def, req.apiVersion)], recordTypeSelectorRequired: [false] });
}

/** `describe/layouts/{recordTypeId}`: the layout itself, not wrapped. Only the master record type exists. */
export function recordTypeLayoutResponse(org: Org, def: ObjectDef, rawId: string, req: EmuRequest): EmuResponse {
  const id = decodeURIComponent(rawId);
  if (id !== MASTER_RECORD_TYPE_ID && id !== MASTER_RECORD_TYPE_ID.slice(0, 15)) return NOT_FOUND();
  return json(200, pageLayout(org, def, req));
}

// Named layouts are defined by Salesforce for a few standard objects; UserAlt is the one the
// REST API guide shows, the User layout the mobile app uses.
const NAMED_LAYOUTS: Record<string, string[]> = { User: ['UserAlt'] };

export function namedLayoutResponse(org: Org, def: ObjectDef, rawName: string, req: EmuRequest): EmuResponse {
  const name = decodeURIComponent(rawName);
  if (!(NAMED_LAYOUTS[def.name] ?? []).some((n) => n.toLowerCase() === name.toLowerCase())) return NOT_FOUND();
  return json(200, { layouts: [pageLayout(org, def, req)], recordTypeMappings: [], recordTypeSelectorRequired: [false] });
}

/** `sobjects/Global/describe/layouts`: the global publisher layout, holding the global actions. */
export function globalLayoutsResponse(org: Org, req: EmuRequest): EmuResponse {
  const layout = {
    buttonLayoutSection: null,
    detailLayoutSections: [],
    editLayoutSections: [],
    feedView: null,
    highlightsPanelLayoutSection: null,
    id: metadataId(PREFIX.layout, 0),
    multirowEditLayoutSections: [],
    offlineLinks: [],
    quickActionList: { quickActionListItems: globalActions(org).map((a) => quickActionListItem(a, req.baseUrl)) },
    relatedContent: null,
    relatedLists: [],
    saveOptions: [],
  };
  return json(200, { layouts: [layout], recordTypeMappings: [], recordTypeSelectorRequired: [false] });
}

/**
 * The System Default compact layout: the name field and the next few fields a record page's
 * highlights show. Without a custom compact layout Salesforce reports its id (and the default
 * and mapping ids) as null, as the REST API guide notes.
 */
function systemCompactLayout(def: ObjectDef, version: string): Json {
  const details = fieldDescribes(def, version);
  const name = nameFieldOf(def);
  const others = layoutFields(def).filter((f) => f !== name && f.type !== 'textarea' && f.type !== 'reference' && !f.name.endsWith('Street'));
  const fields = [...(name === undefined ? [] : [name]), ...others.slice(0, 3)];
  return {
    actions: [],
    fieldItems: fields.map((f, i) => fieldItem(f, details, i + 1, false)),
    id: null,
    imageItems: [],
    label: 'System Default',
    name: 'SYSTEM',
    objectType: def.name,
  };
}

export function compactLayoutsResponse(def: ObjectDef, req: EmuRequest): EmuResponse {
  const v = req.apiVersion;
  return json(200, {
    compactLayouts: [systemCompactLayout(def, v)],
    defaultCompactLayoutId: null,
    recordTypeCompactLayoutMappings: [
      {
        available: true,
        compactLayoutId: null,
        compactLayoutName: 'SYSTEM',
        recordTypeId: MASTER_RECORD_TYPE_ID,
        recordTypeName: 'Master',
        urls: { compactLayout: `/services/data/v${v}/sobjects/${def.name}/describe/compactLayouts/${MASTER_RECORD_TYPE_ID}` },
      },
    ],
    urls: { primary: `/services/data/v${v}/sobjects/${def.name}/describe/compactLayouts/primary` },
  });
}

/** `compactLayouts/primary` or `compactLayouts/{recordTypeId}`: one compact layout. */
export function compactLayoutResponse(def: ObjectDef, rawKey: string, req: EmuRequest): EmuResponse {
  const key = decodeURIComponent(rawKey);
  if (key !== 'primary' && key !== MASTER_RECORD_TYPE_ID && key !== MASTER_RECORD_TYPE_ID.slice(0, 15)) return NOT_FOUND();
  return json(200, systemCompactLayout(def, req.apiVersion));
}

/** No approval processes exist in the emulator: the list is empty, a named one is not found. */
export function approvalLayoutsResponse(rawName: string | null): EmuResponse {
  return rawName === null ? json(200, { approvalLayouts: [] }) : NOT_FOUND();
}
