// The partner API's session calls. login and logout are what jsforce's conn.login(username,
// password) uses when no client id and secret are configured; jsforce reads the login reply with
// regular expressions, so the element names matter and the namespaces do not. Their replies are
// kept byte for byte as the emulator has always written them. getUserInfo and
// getServerTimestamp need a session like every other call.
import type { Org } from '../org.ts';
import type { EmuRequest, EmuResponse } from '../http/types.ts';
import { answer, type Outcome, type SoapCall } from './call.ts';
import { child, escapeXml, textOf, type XmlElement } from './xml.ts';

function loginEnvelope(inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
}

function loginFault(code: string, message: string): EmuResponse {
  return {
    status: 500,
    contentType: 'text/xml;charset=UTF-8',
    raw: loginEnvelope(`<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${code}: ${escapeXml(message)}</faultstring><detail><sf:LoginFault xmlns:sf="urn:fault.partner.soap.sforce.com" xsi:type="sf:LoginFault"><sf:exceptionCode>${code}</sf:exceptionCode><sf:exceptionMessage>${escapeXml(message)}</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>`),
  };
}

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CAD: '$', AUD: '$', CHF: 'CHF', INR: '₹', BRL: 'R$' };

/** The symbol a single-currency org shows amounts with; the ISO code where none is listed here. */
function symbolOf(isoCode: string): string {
  return SYMBOLS[isoCode] ?? isoCode;
}

/**
 * The GetUserInfoResult elements of `userId`. `complete` adds the two the partner WSDL lists that
 * login's userInfo has always left out (chatterExternal, orgDefaultCurrencyLocale), for getUserInfo.
 */
function userInfoXml(org: Org, userId: string, username: string, complete: boolean): string {
  const record = org.store.get(userId)?.values ?? {};
  const orgId = org.orgId;
  const ttlSeconds = Math.round(org.auth.sessionTtlMs / 1000);
  // The org's currency (and its symbol) are reported only by a single-currency org; a
  // multi-currency one reports the user's default currency instead (getUserInfoResult).
  const multi = org.multiCurrency;
  const userCurrency = typeof record['DefaultCurrencyIsoCode'] === 'string' ? record['DefaultCurrencyIsoCode'] : org.corporateCurrency;
  const currencySymbol = multi ? '<currencySymbol xsi:nil="true"/>' : `<currencySymbol>${escapeXml(symbolOf(org.corporateCurrency))}</currencySymbol>`;
  const orgCurrency = multi ? '<orgDefaultCurrencyIsoCode xsi:nil="true"/>' : `<orgDefaultCurrencyIsoCode>${org.corporateCurrency}</orgDefaultCurrencyIsoCode>`;
  const orgLocale = complete ? (multi ? '<orgDefaultCurrencyLocale xsi:nil="true"/>' : '<orgDefaultCurrencyLocale>en_US</orgDefaultCurrencyLocale>') : '';
  const userDefaultCurrency = multi ? `<userDefaultCurrencyIsoCode>${escapeXml(userCurrency)}</userDefaultCurrencyIsoCode>` : '<userDefaultCurrencyIsoCode xsi:nil="true"/>';
  return (
    `<accessibilityMode>false</accessibilityMode>${complete ? '<chatterExternal>false</chatterExternal>' : ''}${currencySymbol}<orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>` +
    `${orgCurrency}${orgLocale}<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments><orgHasPersonAccounts>false</orgHasPersonAccounts>` +
    `<organizationId>${orgId}</organizationId><organizationMultiCurrency>${String(multi)}</organizationMultiCurrency><organizationName>Ferry Emulator</organizationName>` +
    `<profileId>00e${'0'.repeat(12)}</profileId><roleId xsi:nil="true"/><sessionSecondsValid>${ttlSeconds}</sessionSecondsValid>` +
    `${userDefaultCurrency}<userEmail>${escapeXml(String(record['Email']))}</userEmail><userFullName>${escapeXml(String(record['Name']))}</userFullName>` +
    `<userId>${userId}</userId><userLanguage>en_US</userLanguage><userLocale>en_US</userLocale><userName>${escapeXml(username)}</userName>` +
    `<userTimeZone>GMT</userTimeZone><userType>Standard</userType><userUiSkin>Theme3</userUiSkin>`
  );
}

/** `<login><username/><password/></login>` (password with the security token appended). */
export function login(org: Org, req: EmuRequest, op: XmlElement, version: string): EmuResponse {
  const user = org.auth.checkPassword(textOf(op, 'username') ?? '', textOf(op, 'password') ?? '');
  if (user === undefined) return loginFault('INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
  const session = org.auth.issueSession(user.userId, null);
  const orgId = org.orgId;
  const serverUrl = `${req.baseUrl}/services/Soap/u/${version}/${orgId.slice(0, 15)}`;
  const result =
    `<loginResponse><result>` +
    `<metadataServerUrl>${req.baseUrl}/services/Soap/m/${version}/${orgId.slice(0, 15)}</metadataServerUrl>` +
    `<passwordExpired>false</passwordExpired><sandbox>false</sandbox>` +
    `<serverUrl>${serverUrl}</serverUrl><sessionId>${session.token}</sessionId><userId>${user.userId}</userId>` +
    `<userInfo>${userInfoXml(org, user.userId, user.username, false)}</userInfo>` +
    `</result></loginResponse>`;
  return { status: 200, contentType: 'text/xml;charset=UTF-8', raw: loginEnvelope(result) };
}

/** Ends the session named in SessionHeader; answers the same whether or not it was live. */
export function logout(org: Org, header: XmlElement | undefined): EmuResponse {
  const sessionId = textOf(child(header, 'SessionHeader'), 'sessionId');
  if (sessionId !== undefined) org.auth.revoke(sessionId);
  return { status: 200, contentType: 'text/xml;charset=UTF-8', raw: loginEnvelope('<logoutResponse/>') };
}

export function getUserInfo(call: SoapCall): Outcome {
  const username = call.org.auth.userById(call.userId)?.username ?? '';
  return answer(`<getUserInfoResponse><result>${userInfoXml(call.org, call.userId, username, true)}</result></getUserInfoResponse>`);
}

/** The org's clock in UTC (the emulator's `now`, which tests may pin). */
export function getServerTimestamp(call: SoapCall): Outcome {
  const timestamp = new Date(call.org.store.now()).toISOString();
  return answer(`<getServerTimestampResponse><result><timestamp>${timestamp}</timestamp></result></getServerTimestampResponse>`);
}
