// SOAP envelopes in and out. Requests are parsed by fast-xml-parser into a small ordered element
// tree with namespace prefixes dropped: clients spell the partner namespace differently (jsforce
// writes `ns1:sObjects` under a made-up prefix, others `urn:` or none), and Salesforce itself
// reads elements by local name. Replies are written as strings through the escaping helpers here.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlElement {
  /** Local name, prefix removed. */
  name: string;
  /** Attributes by local name (`xsi:nil` is `nil`, `xsi:type` is `type`). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, entities decoded. */
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  htmlEntities: false,
});

type OrderedNode = Record<string, unknown>;

function toElement(node: OrderedNode): XmlElement | undefined {
  const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
  if (name === undefined) return undefined;
  const rawAttrs = node[':@'];
  const attrs: Record<string, string> = {};
  if (typeof rawAttrs === 'object' && rawAttrs !== null) {
    for (const [k, v] of Object.entries(rawAttrs)) attrs[k] = String(v);
  }
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[name] as OrderedNode[] | undefined) ?? []) {
    if ('#text' in child) text += String(child['#text']);
    else {
      const el = toElement(child);
      if (el !== undefined) children.push(el);
    }
  }
  return { name, attrs, children, text };
}

/** The document's root element, or a reason the text is not well-formed XML. */
export function parseXml(text: string): { ok: true; root: XmlElement } | { ok: false; message: string } {
  // SOAP forbids a DTD (SOAP 1.1 section 3); refusing it also rules out entity-expansion bombs.
  if (/<!DOCTYPE/i.test(text)) return { ok: false, message: 'DOCTYPE is not allowed in a SOAP message' };
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { ok: false, message: `${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})` };
  const nodes = parser.parse(text) as OrderedNode[];
  for (const node of nodes) {
    const el = toElement(node);
    if (el !== undefined) return { ok: true, root: el };
  }
  return { ok: false, message: 'Premature end of file.' };
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el?.children.filter((c) => c.name === name) ?? [];
}

export function isNil(el: XmlElement): boolean {
  return el.attrs['nil'] === 'true' || el.attrs['nil'] === '1';
}

/** A child's text; undefined when absent or nil. */
export function textOf(el: XmlElement | undefined, name: string): string | undefined {
  const c = child(el, name);
  return c === undefined || isNil(c) ? undefined : c.text;
}

/** A child's boolean value (xsd:boolean: true, false, 1, 0); `fallback` when absent. */
export function boolOf(el: XmlElement | undefined, name: string, fallback = false): boolean {
  const v = textOf(el, name)?.trim();
  if (v === undefined || v === '') return fallback;
  return v === 'true' || v === '1';
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export type Scalar = string | number | boolean | null | undefined;

/** `<name>value</name>`, or `<name xsi:nil="true"/>` for null and undefined. */
export function leaf(name: string, value: Scalar): string {
  if (value === null || value === undefined) return `<${name} xsi:nil="true"/>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function wrap(name: string, inner: string, attrs = ''): string {
  return `<${name}${attrs === '' ? '' : ` ${attrs}`}>${inner}</${name}>`;
}

const SOAPENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** A partner API reply as Salesforce writes it, with the org's API usage in LimitInfoHeader. */
export function partnerEnvelope(body: string, usage: { current: number; limit: number }): string {
  const header = `<soapenv:Header><LimitInfoHeader><limitInfo><current>${usage.current}</current><limit>${usage.limit}</limit><type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header>`;
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAPENV}" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="${XSI}" xmlns:sf="urn:sobject.partner.soap.sforce.com">${header}<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

/** The partner WSDL's fault elements (urn:fault.partner.soap.sforce.com). */
export type FaultType =
  | 'UnexpectedErrorFault'
  | 'InvalidSObjectFault'
  | 'InvalidFieldFault'
  | 'MalformedQueryFault'
  | 'InvalidQueryLocatorFault'
  | 'InvalidIdFault'
  | 'LoginFault';

/**
 * A call Salesforce refuses as a whole (HTTP 500): `sf:` faults carry an exception code and a
 * typed detail; `client` faults (`soapenv:Client`) are requests the SOAP layer could not read.
 */
export type Fault =
  | { kind: 'sf'; code: string; message: string; type: FaultType; row?: number; column?: number }
  | { kind: 'client'; message: string };

export function sfFault(code: string, message: string, type: FaultType = 'UnexpectedErrorFault'): Fault {
  return { kind: 'sf', code, message, type };
}

export function clientFault(message: string): Fault {
  return { kind: 'client', message };
}

export function faultEnvelope(fault: Fault): string {
  let inner: string;
  if (fault.kind === 'client') {
    inner = `<faultcode>soapenv:Client</faultcode><faultstring>${escapeXml(fault.message)}</faultstring>`;
  } else {
    // ApiQueryFault subtypes (field, sObject, malformed query) add the position of the error.
    const position = fault.row === undefined ? '' : `<sf:row>${fault.row}</sf:row><sf:column>${fault.column ?? -1}</sf:column>`;
    inner =
      `<faultcode>sf:${fault.code}</faultcode><faultstring>${escapeXml(`${fault.code}: ${fault.message}`)}</faultstring>` +
      `<detail><sf:${fault.type} xsi:type="sf:${fault.type}"><sf:exceptionCode>${fault.code}</sf:exceptionCode>` +
      `<sf:exceptionMessage>${escapeXml(fault.message)}</sf:exceptionMessage>${position}</sf:${fault.type}></detail>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAPENV}" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="${XSI}"><soapenv:Body><soapenv:Fault>${inner}</soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
}
