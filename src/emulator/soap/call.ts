// What every partner API operation handler receives and returns.
import type { Org } from '../org.ts';
import type { EmuRequest } from '../http/types.ts';
import type { FieldError } from '../store/values.ts';
import { escapeXml, leaf, type Fault, type XmlElement } from './xml.ts';

export interface SoapCall {
  org: Org;
  req: EmuRequest;
  /** The API version of the endpoint (`/services/Soap/u/60.0`). */
  version: string;
  /** The operation element: `<create>`, `<query>`, ... */
  op: XmlElement;
  /** `<soapenv:Header>`, holding SessionHeader, QueryOptions, AllOrNoneHeader. */
  header: XmlElement | undefined;
  /** Who the call acts as: the session's user, or the emulator's act-as override. */
  userId: string;
}

/** An operation's answer: the `<xResponse>` element, or a fault for the whole call. */
export type Outcome = { body: string; records: number } | { fault: Fault };

export function answer(body: string, records = 0): Outcome {
  return { body, records };
}

export function refuse(fault: Fault): Outcome {
  return { fault };
}

/** The partner WSDL's Error elements: fields, message, statusCode, in that order. */
export function errorsXml(errors: FieldError[]): string {
  return errors
    .map((e) => `<errors>${e.fields.map((f) => `<fields>${escapeXml(f)}</fields>`).join('')}${leaf('message', e.message)}${leaf('statusCode', e.statusCode)}</errors>`)
    .join('');
}
