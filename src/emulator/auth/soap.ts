// The partner SOAP login and logout, which jsforce's conn.login(username, password) uses when no
// client id and secret are configured. jsforce reads the reply with regular expressions, so the
// element names matter and the namespaces do not.
import type { Org } from '../org.ts';
import type { EmuRequest, EmuResponse, Route } from '../http/types.ts';

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function element(body: string, name: string): string | undefined {
  const m = new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${name}>`).exec(body);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

function envelope(inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
}

function fault(code: string, message: string): EmuResponse {
  return {
    status: 500,
    contentType: 'text/xml;charset=UTF-8',
    raw: envelope(`<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${code}: ${escapeXml(message)}</faultstring><detail><sf:LoginFault xmlns:sf="urn:fault.partner.soap.sforce.com" xsi:type="sf:LoginFault"><sf:exceptionCode>${code}</sf:exceptionCode><sf:exceptionMessage>${escapeXml(message)}</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>`),
  };
}

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CAD: '$', AUD: '$', CHF: 'CHF', INR: '₹', BRL: 'R$' };

/** The symbol a single-currency org shows amounts with; the ISO code where none is listed here. */
function symbolOf(isoCode: string): string {
  return SYMBOLS[isoCode] ?? isoCode;
}

function soap(org: Org, req: EmuRequest): EmuResponse {
  const body = req.body.toString('utf8');
  const version = req.params[0] ?? org.options.apiVersion;
  if (/<(?:\w+:)?logout[\s>/]/.test(body)) {
    const sessionId = element(body, 'sessionId');
    if (sessionId !== undefined) org.auth.revoke(sessionId);
    return { status: 200, contentType: 'text/xml;charset=UTF-8', raw: envelope('<logoutResponse/>') };
  }
  if (!/<(?:\w+:)?login[\s>]/.test(body)) return fault('UNKNOWN_EXCEPTION', 'The emulator serves only login and logout over SOAP.');
  const user = org.auth.checkPassword(element(body, 'username') ?? '', element(body, 'password') ?? '');
  if (user === undefined) return fault('INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
  const session = org.auth.issueSession(user.userId, null);
  const record = org.store.get(user.userId)?.values ?? {};
  const orgId = org.orgId;
  const serverUrl = `${req.baseUrl}/services/Soap/u/${version}/${orgId.slice(0, 15)}`;
  const ttlSeconds = Math.round(org.auth.sessionTtlMs / 1000);
  // The org's currency (and its symbol) are reported only by a single-currency org; a
  // multi-currency one reports the user's default currency instead (getUserInfoResult).
  const multi = org.multiCurrency;
  const userCurrency = typeof record['DefaultCurrencyIsoCode'] === 'string' ? record['DefaultCurrencyIsoCode'] : org.corporateCurrency;
  const currencySymbol = multi ? '<currencySymbol xsi:nil="true"/>' : `<currencySymbol>${escapeXml(symbolOf(org.corporateCurrency))}</currencySymbol>`;
  const orgCurrency = multi ? '<orgDefaultCurrencyIsoCode xsi:nil="true"/>' : `<orgDefaultCurrencyIsoCode>${org.corporateCurrency}</orgDefaultCurrencyIsoCode>`;
  const userDefaultCurrency = multi ? `<userDefaultCurrencyIsoCode>${escapeXml(userCurrency)}</userDefaultCurrencyIsoCode>` : '<userDefaultCurrencyIsoCode xsi:nil="true"/>';
  const result =
    `<loginResponse><result>` +
    `<metadataServerUrl>${req.baseUrl}/services/Soap/m/${version}/${orgId.slice(0, 15)}</metadataServerUrl>` +
    `<passwordExpired>false</passwordExpired><sandbox>false</sandbox>` +
    `<serverUrl>${serverUrl}</serverUrl><sessionId>${session.token}</sessionId><userId>${user.userId}</userId>` +
    `<userInfo><accessibilityMode>false</accessibilityMode>${currencySymbol}<orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>` +
    `${orgCurrency}<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments><orgHasPersonAccounts>false</orgHasPersonAccounts>` +
    `<organizationId>${orgId}</organizationId><organizationMultiCurrency>${String(multi)}</organizationMultiCurrency><organizationName>Ferry Emulator</organizationName>` +
    `<profileId>00e${'0'.repeat(12)}</profileId><roleId xsi:nil="true"/><sessionSecondsValid>${ttlSeconds}</sessionSecondsValid>` +
    `${userDefaultCurrency}<userEmail>${escapeXml(String(record['Email']))}</userEmail><userFullName>${escapeXml(String(record['Name']))}</userFullName>` +
    `<userId>${user.userId}</userId><userLanguage>en_US</userLanguage><userLocale>en_US</userLocale><userName>${escapeXml(user.username)}</userName>` +
    `<userTimeZone>GMT</userTimeZone><userType>Standard</userType><userUiSkin>Theme3</userUiSkin></userInfo>` +
    `</result></loginResponse>`;
  return { status: 200, contentType: 'text/xml;charset=UTF-8', raw: envelope(result) };
}

export function soapRoutes(org: Org): Route[] {
  return [
    { method: 'POST', pattern: /^\/services\/Soap\/u\/(\d+\.\d)(?:\/[A-Za-z0-9]+)?\/?$/, auth: false, counted: false, kind: 'auth', handler: (req) => soap(org, req) },
  ];
}
