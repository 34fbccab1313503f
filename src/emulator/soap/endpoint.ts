// The partner SOAP endpoint, /services/Soap/u/{version}: one URL for every call, the operation
// named by the element in the envelope's Body. login and logout need no session; every other call
// names one in SessionHeader (or, as Salesforce also accepts, an Authorization: Bearer header),
// counts against the daily API limit, and is refused with a SOAP fault (HTTP 500) when it can't run.
import type { Org } from '../org.ts';
import type { EmuRequest, EmuResponse, Route } from '../http/types.ts';
import { type Outcome, type SoapCall } from './call.ts';
import { create, del, retrieve, undelete, update, upsert } from './crud.ts';
import { describeGlobal, describeSObject, describeSObjects, describeTabs } from './describe.ts';
import { convertLead } from './lead-convert.ts';
import { getServerTimestamp, getUserInfo, login, logout } from './login.ts';
import { merge } from './merge.ts';
import { query, queryAll, queryMore } from './query.ts';
import { child, clientFault, faultEnvelope, parseXml, partnerEnvelope, sfFault, textOf, type Fault, type XmlElement } from './xml.ts';

const XML_TYPE = 'text/xml;charset=UTF-8';

const OPERATIONS: Record<string, (call: SoapCall) => Outcome> = {
  create,
  update,
  upsert,
  delete: del,
  undelete,
  retrieve,
  merge,
  convertLead,
  query,
  queryAll,
  queryMore,
  describeSObject,
  describeSObjects,
  describeGlobal,
  describeTabs,
  getUserInfo,
  getServerTimestamp,
};

function faultResponse(fault: Fault): EmuResponse {
  return { status: 500, contentType: XML_TYPE, raw: faultEnvelope(fault) };
}

function bearer(req: EmuRequest): string | undefined {
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization?.trim() ?? '');
  return m?.[1];
}

/** The envelope's Header and the operation element; a bare operation (no envelope) is read too. */
function split(root: XmlElement): { header: XmlElement | undefined; op: XmlElement | undefined } {
  if (root.name !== 'Envelope') return { header: undefined, op: root };
  return { header: child(root, 'Header'), op: child(root, 'Body')?.children[0] };
}

function handle(org: Org, req: EmuRequest): EmuResponse {
  const version = req.params[0] ?? org.options.apiVersion;
  const parsed = parseXml(req.body.toString('utf8'));
  if (!parsed.ok) return faultResponse(clientFault(parsed.message));
  const { header, op } = split(parsed.root);
  if (op === undefined) return faultResponse(clientFault('No operation found in the SOAP Body'));
  if (op.name === 'login') return login(org, req, op, version);
  if (op.name === 'logout') return logout(org, header);
  const operation = OPERATIONS[op.name];
  if (operation === undefined) return faultResponse(clientFault(`No operation available for request {urn:partner.soap.sforce.com}${op.name}, please check the WSDL for the service.`));
  const token = textOf(child(header, 'SessionHeader'), 'sessionId')?.trim() ?? bearer(req);
  const session = token === undefined ? undefined : org.auth.lookup(token);
  if (session === undefined || !session.ok) return faultResponse(sfFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session'));
  if (org.apiUsed >= org.apiMax) return faultResponse(sfFault('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'));
  org.apiUsed += 1;
  const outcome = operation({ org, req, version, op, header, userId: org.effectiveUser(session.session.userId) });
  if ('fault' in outcome) return faultResponse(outcome.fault);
  return { status: 200, contentType: XML_TYPE, raw: partnerEnvelope(outcome.body, { current: org.apiUsed, limit: org.apiMax }), records: outcome.records };
}

export function soapRoutes(org: Org): Route[] {
  return [
    // Not `auth` or `counted` at the route: login needs neither, and other calls carry their
    // session in the envelope, so handle() checks and counts them itself.
    { method: 'POST', pattern: /^\/services\/Soap\/u\/(\d+\.\d)(?:\/[A-Za-z0-9]+)?\/?$/, auth: false, counted: false, kind: 'auth', handler: (req) => handle(org, req) },
  ];
}
