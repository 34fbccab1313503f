// describeSObject(s), describeGlobal and describeTabs. The describe data is REST's (one projection
// of the schema); this file lays it out as the partner WSDL's types, each element in the WSDL's
// sequence order, values REST leaves out of a type filled with what a Developer Edition org shows.
import { describeGlobalEntry, describeObject } from '../rest/describe.ts';
import type { ObjectDef } from '../schema/types.ts';
import { answer, refuse, type Outcome, type SoapCall } from './call.ts';
import { childrenNamed, escapeXml, leaf, textOf, type Fault } from './xml.ts';

type Json = Record<string, unknown>;

/**
 * One WSDL complex type: its elements in sequence order, nested types by element, and values for
 * elements REST has no key for. An element whose value is absent and has no default is left out
 * (minOccurs="0"); null is written nil.
 */
interface XmlType {
  order: string[];
  nested?: Record<string, XmlType>;
  defaults?: Json;
  /** xsd:anyType elements, written with an xsi:type. */
  anyType?: string[];
  /** Elements declared nillable: null is written nil rather than left out. */
  nillable?: string[];
}

const PICKLIST_ENTRY: XmlType = { order: ['active', 'defaultValue', 'label', 'validFor', 'value'], nillable: ['label'] };
const SCOPE_INFO: XmlType = { order: ['label', 'name'] };
const CHILD_RELATIONSHIP: XmlType = { order: ['cascadeDelete', 'childSObject', 'deprecatedAndHidden', 'field', 'junctionIdListNames', 'junctionReferenceTo', 'relationshipName', 'restrictedDelete'] };

const FIELD: XmlType = {
  order: [
    'aggregatable', 'aiPredictionField', 'autoNumber', 'byteLength', 'calculated', 'calculatedFormula', 'cascadeDelete', 'caseSensitive', 'compoundFieldName',
    'controllerName', 'createable', 'custom', 'dataTranslationEnabled', 'defaultValue', 'defaultValueFormula', 'defaultedOnCreate', 'dependentPicklist',
    'deprecatedAndHidden', 'digits', 'displayLocationInDecimal', 'encrypted', 'externalId', 'extraTypeInfo', 'filterable', 'filteredLookupInfo',
    'formulaTreatNullNumberAsZero', 'groupable', 'highScaleNumber', 'htmlFormatted', 'idLookup', 'inlineHelpText', 'label', 'length', 'mask', 'maskType',
    'name', 'nameField', 'namePointing', 'nillable', 'permissionable', 'picklistValues', 'polymorphicForeignKey', 'precision', 'queryByDistance',
    'referenceTargetField', 'referenceTo', 'relationshipName', 'relationshipOrder', 'restrictedDelete', 'restrictedPicklist', 'scale', 'searchPrefilterable',
    'soapType', 'sortable', 'type', 'unique', 'updateable', 'writeRequiresMasterRead',
  ],
  nested: { picklistValues: PICKLIST_ENTRY },
  defaults: { aiPredictionField: false, queryByDistance: false, searchPrefilterable: false },
  anyType: ['defaultValue'],
};

const GLOBAL_SOBJECT: XmlType = {
  order: [
    'activateable', 'associateEntityType', 'associateParentEntity', 'createable', 'custom', 'customSetting', 'dataTranslationEnabled', 'deepCloneable',
    'deletable', 'deprecatedAndHidden', 'feedEnabled', 'hasSubtypes', 'idEnabled', 'isInterface', 'isSubtype', 'keyPrefix', 'label', 'labelPlural',
    'layoutable', 'mergeable', 'mruEnabled', 'name', 'queryable', 'replicateable', 'retrieveable', 'searchable', 'triggerable', 'undeletable', 'updateable',
  ],
  defaults: { associateEntityType: null, associateParentEntity: null, idEnabled: true },
  nillable: ['associateEntityType', 'associateParentEntity', 'keyPrefix'],
};

const SOBJECT: XmlType = {
  order: [
    'actionOverrides', 'activateable', 'associateEntityType', 'associateParentEntity', 'childRelationships', 'compactLayoutable', 'createable', 'custom',
    'customSetting', 'dataTranslationEnabled', 'deepCloneable', 'defaultImplementation', 'deletable', 'deprecatedAndHidden', 'feedEnabled', 'fields',
    'hasSubtypes', 'idEnabled', 'implementedBy', 'implementsInterfaces', 'isInterface', 'isSubtype', 'keyPrefix', 'label', 'labelPlural', 'layoutable',
    'mergeable', 'mruEnabled', 'name', 'namedLayoutInfos', 'networkScopeFieldName', 'queryable', 'recordTypeInfos', 'replicateable', 'retrieveable',
    'searchLayoutable', 'searchable', 'supportedScopes', 'triggerable', 'undeletable', 'updateable', 'urlDetail', 'urlEdit', 'urlNew',
  ],
  nested: { childRelationships: CHILD_RELATIONSHIP, fields: FIELD, supportedScopes: SCOPE_INFO },
  defaults: { associateEntityType: null, associateParentEntity: null, defaultImplementation: null, idEnabled: true, implementedBy: null, implementsInterfaces: null },
  nillable: ['associateEntityType', 'associateParentEntity', 'defaultImplementation', 'implementedBy', 'implementsInterfaces', 'keyPrefix', 'networkScopeFieldName', 'urlDetail', 'urlEdit', 'urlNew'],
};

function scalarText(value: unknown): string {
  return escapeXml(typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value));
}

function xsdTypeOf(value: unknown): string {
  return typeof value === 'boolean' ? 'xsd:boolean' : typeof value === 'number' ? 'xsd:double' : 'xsd:string';
}

function elementXml(name: string, value: unknown, type: XmlType): string {
  if (value === null) return `<${name} xsi:nil="true"/>`;
  const nested = type.nested?.[name];
  if (Array.isArray(value)) return value.map((v) => elementXml(name, v, type)).join('');
  if (nested !== undefined && typeof value === 'object') return `<${name}>${typeXml(value as Json, nested)}</${name}>`;
  if (typeof value === 'object') return '';
  if (type.anyType?.includes(name) === true) return `<${name} xsi:type="${xsdTypeOf(value)}">${scalarText(value)}</${name}>`;
  return `<${name}>${scalarText(value)}</${name}>`;
}

function typeXml(value: Json, type: XmlType): string {
  let out = '';
  for (const name of type.order) {
    const v = name in value ? value[name] : type.defaults?.[name];
    // REST reports an absent optional value (calculatedFormula, relationshipName) as null; the
    // WSDL leaves such an element out unless it is declared nillable.
    if (v === undefined || (v === null && type.nillable?.includes(name) !== true)) continue;
    out += elementXml(name, v, type);
  }
  return out;
}

function unknownType(name: string): Fault {
  return { kind: 'sf', code: 'INVALID_TYPE', message: `sObject type '${name}' is not supported.`, type: 'InvalidSObjectFault', row: -1, column: -1 };
}

function describeXml(def: ObjectDef, version: string): string {
  const rest = describeObject(def, version);
  // The partner describe has urlDetail/urlEdit/urlNew where REST has urls; a DE org leaves them null for most objects.
  return typeXml({ ...rest, urlDetail: null, urlEdit: null, urlNew: null }, SOBJECT);
}

export function describeSObject(call: SoapCall): Outcome {
  const name = (textOf(call.op, 'sObjectType') ?? '').trim();
  const def = call.org.schema.get(name);
  if (def === undefined) return refuse(unknownType(name));
  return answer(`<describeSObjectResponse><result>${describeXml(def, call.version)}</result></describeSObjectResponse>`);
}

const MAX_DESCRIBE = 100;

export function describeSObjects(call: SoapCall): Outcome {
  const names = childrenNamed(call.op, 'sObjectType').map((el) => el.text.trim());
  if (names.length > MAX_DESCRIBE) return refuse({ kind: 'sf', code: 'EXCEEDED_ID_LIMIT', message: `Too many sobject types requested: ${names.length}, max ${MAX_DESCRIBE}`, type: 'UnexpectedErrorFault' });
  const defs: ObjectDef[] = [];
  for (const name of names) {
    const def = call.org.schema.get(name);
    if (def === undefined) return refuse(unknownType(name));
    defs.push(def);
  }
  return answer(`<describeSObjectsResponse>${defs.map((d) => `<result>${describeXml(d, call.version)}</result>`).join('')}</describeSObjectsResponse>`);
}

export function describeGlobal(call: SoapCall): Outcome {
  const sobjects = call.org.schema.objects.map((o) => `<sobjects>${typeXml(describeGlobalEntry(o, call.version), GLOBAL_SOBJECT)}</sobjects>`).join('');
  return answer(`<describeGlobalResponse><result><encoding>UTF-8</encoding><maxBatchSize>200</maxBatchSize>${sobjects}</result></describeGlobalResponse>`);
}

/** The standard objects a Developer Edition org's Sales app shows as tabs, in its order. */
const SALES_TABS = ['Account', 'Contact', 'Lead', 'Opportunity', 'Case', 'Product2'];

function tabXml(base: string, def: ObjectDef): string {
  const lower = def.name.toLowerCase().replace(/__c$/, '');
  const icon = def.custom ? `${base}/img/icon/custom51_100/globe32.png` : `${base}/img/icon/${lower}s32.png`;
  const mini = def.custom ? `${base}/img/icon/custom51_100/globe16.png` : `${base}/img/icon/${lower}s16.png`;
  return (
    `<tabs><colors><color>${def.custom ? '5867E8' : '7F8DE1'}</color><context>primary</context><theme>theme4</theme></colors>` +
    `<custom>${String(def.custom)}</custom><iconUrl>${escapeXml(icon)}</iconUrl>` +
    `<icons><contentType>image/png</contentType><height>32</height><theme>theme3</theme><url>${escapeXml(icon)}</url><width>32</width></icons>` +
    `${leaf('label', def.labelPlural)}<miniIconUrl>${escapeXml(mini)}</miniIconUrl><name>${escapeXml(def.custom ? def.name : `standard-${def.name}`)}</name>` +
    `${leaf('sobjectName', def.name)}<url>${escapeXml(`${base}/${def.keyPrefix}/o`)}</url></tabs>`
  );
}

/**
 * One app, "Sales", with the standard tabs and one per custom object (the emulator has no tab
 * metadata; a real org lists the apps the user may see, each with its own tabs: unverified shape).
 */
export function describeTabs(call: SoapCall): Outcome {
  const org = call.org;
  const base = call.req.baseUrl;
  const defs = [...SALES_TABS.map((n) => org.schema.get(n)), ...org.schema.objects.filter((o) => o.custom && !o.isEvent && o.customSetting !== true)].filter((d): d is ObjectDef => d !== undefined);
  const tabs = defs.map((d) => tabXml(base, d)).join('');
  const app =
    `<result><description>Manage your sales process with accounts, leads, opportunities, and more</description><label>Sales</label>` +
    `<logoUrl>${escapeXml(`${base}/img/seasonLogos/2024_Winter_aloha.png`)}</logoUrl><namespace xsi:nil="true"/><selected>true</selected>` +
    `<tabSetId>02u000000000001AAA</tabSetId>${tabs}</result>`;
  return answer(`<describeTabsResponse>${app}</describeTabsResponse>`);
}
