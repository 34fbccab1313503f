// Bulk API 1.0's wire formats. Job and batch documents, errors and results travel as XML in the
// dataload namespace or as JSON, chosen by the request's Content-Type or else by the job's
// content type; errors are `<error><exceptionCode/><exceptionMessage/></error>`, not the REST
// error array (jsforce's Bulk client reads `error.exceptionCode` and refreshes its session on a
// 400 carrying InvalidSessionId).
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { EmuRequest, EmuResponse } from '../http/types.ts';

export const DATALOAD_NS = 'http://www.force.com/2009/06/asyncapi/dataload';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XML_TYPE = 'application/xml';
export const JSON_TYPE = 'application/json';

export type ContentType = 'CSV' | 'JSON' | 'XML';
/** The format of a job or batch document: XML for CSV and XML jobs, JSON for JSON jobs. */
export type DocFormat = 'XML' | 'JSON';

export const CONTENT_TYPES: ReadonlySet<string> = new Set(['CSV', 'JSON', 'XML']);

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true, suppressBooleanAttributes: false });

/** A document's format from the request's Content-Type, or null when it names neither. */
export function requestFormat(req: EmuRequest): DocFormat | null {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('json')) return 'JSON';
  if (type.includes('xml')) return 'XML';
  return null;
}

export function docFormatOf(contentType: ContentType): DocFormat {
  return contentType === 'JSON' ? 'JSON' : 'XML';
}

/** XML text with the declaration Salesforce sends, from a root element name and its content. */
export function xmlText(root: string, content: unknown, attributes: Record<string, string> = { '@_xmlns': DATALOAD_NS }): string {
  const body = typeof content === 'object' && content !== null && !Array.isArray(content) ? { ...attributes, ...content } : content;
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ [root]: body })}`;
}

/** A job or batch document in the caller's format; `fields` in Salesforce's element order. */
export function bulkDocument(format: DocFormat, status: number, root: string, fields: Record<string, unknown>): EmuResponse {
  const present = dropNulls(fields);
  if (format === 'JSON') return { status, body: present, contentType: JSON_TYPE };
  return { status, raw: xmlText(root, present), contentType: XML_TYPE };
}

/** A document's fields without the unset ones, which Salesforce leaves out. */
export function dropNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined));
}

/** Bulk API 1.0's error: `<error>` in XML, `{exceptionCode, exceptionMessage}` in JSON. */
export function bulkError(format: DocFormat, exceptionCode: string, exceptionMessage: string, status = 400): EmuResponse {
  if (format === 'JSON') return { status, body: { exceptionCode, exceptionMessage }, contentType: JSON_TYPE };
  return { status, raw: xmlText('error', { exceptionCode, exceptionMessage }), contentType: XML_TYPE };
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, parseTagValue: false, trimValues: true, isArray: (_name, path) => path === 'sObjects.sObject' });

/**
 * Parses XML, or returns the validator's message for a document that is not well formed. A
 * document type declaration is refused, as Salesforce refuses one (and the SOAP endpoint here does).
 */
export function parseXml(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  if (/<!DOCTYPE/i.test(text)) return { ok: false, message: 'DOCTYPE is not allowed' };
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { ok: false, message: `${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})` };
  return { ok: true, value: parser.parse(text) as Record<string, unknown> };
}
