// The HTTPS listener and URLs that follow the client: token answers, identity URLs, SOAP server
// URLs and the sobjects "identity" resource use the scheme and host the request came in on.
import { X509Certificate } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { API_VERSION, PASSWORD } from './support.ts';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request with full control of the headers (fetch may not set Host) and of TLS trust. */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {}): Promise<Answer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, ...(options.ca === undefined ? {} : { ca: options.ca }) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function passwordGrant(baseUrl: string, options: { ca?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const body = new URLSearchParams({ grant_type: 'password', client_id: DEFAULT_IDENTITY.clientId, client_secret: DEFAULT_IDENTITY.clientSecret, username: DEFAULT_IDENTITY.username, password: PASSWORD }).toString();
  return call(`${baseUrl}/services/oauth2/token`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...options.headers }, ...(options.ca === undefined ? {} : { ca: options.ca }) });
}

function soapLogin(baseUrl: string, ca?: string): Promise<Answer> {
  const body = `<?xml version="1.0" encoding="utf-8"?><se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>${DEFAULT_IDENTITY.username}</username><password>${PASSWORD}</password></login></se:Body></se:Envelope>`;
  return call(`${baseUrl}/services/Soap/u/${API_VERSION}`, { method: 'POST', body, headers: { 'Content-Type': 'text/xml', SOAPAction: '""' }, ...(ca === undefined ? {} : { ca }) });
}

describe('an emulator started with https', () => {
  let emu: RunningEmulator;
  let ca: string;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, host: '127.0.0.1', https: true });
    ca = emu.identity.certificate ?? '';
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('serves TLS with a self-signed certificate for 127.0.0.1 and localhost, published in its identity', async () => {
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.httpsUrl).toBe(emu.url);
    expect(emu.identity).toMatchObject({ instanceUrl: emu.url, loginUrl: emu.url, httpsUrl: emu.url, httpsPort: emu.port });
    const certificate = new X509Certificate(ca);
    expect(certificate.subjectAltName).toContain('DNS:localhost');
    expect(certificate.subjectAltName).toContain('IP Address:127.0.0.1');
    // Self-signed: its own key signs it.
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect((await call(`${emu.url}/services/data`, { ca })).status).toBe(200);
    expect((await call(`https://localhost:${emu.port}/services/data`, { ca })).status).toBe(200);
  });

  it('is refused by a client that does not trust its certificate, and does not answer plain HTTP', async () => {
    await expect(call(`${emu.url}/services/data`)).rejects.toThrow(/self[- ]signed certificate/);
    await expect(call(`http://127.0.0.1:${emu.port}/services/data`)).rejects.toThrow();
  });

  it('answers OAuth tokens with https instance and identity URLs on the host the client used', async () => {
    const viaIp = JSON.parse((await passwordGrant(emu.url, { ca })).text) as { instance_url: string; id: string };
    expect(viaIp.instance_url).toBe(emu.url);
    expect(viaIp.id).toBe(`${emu.url}/id/${emu.identity.orgId}/${emu.identity.userId}`);
    const viaName = JSON.parse((await passwordGrant(`https://localhost:${emu.port}`, { ca })).text) as { instance_url: string };
    expect(viaName.instance_url).toBe(`https://localhost:${emu.port}`);
  });

  it('answers the SOAP login with https server URLs', async () => {
    const answer = await soapLogin(emu.url, ca);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain(`<serverUrl>${emu.url}/services/Soap/u/${API_VERSION}/${emu.identity.orgId.slice(0, 15)}</serverUrl>`);
    expect(answer.text).toContain(`<metadataServerUrl>${emu.url}/services/Soap/m/${API_VERSION}/`);
  });

  it('lists https URLs on the identity URL and the sobjects identity resource', async () => {
    const token = (JSON.parse((await passwordGrant(emu.url, { ca })).text) as { access_token: string; id: string });
    const identity = JSON.parse((await call(token.id, { ca, headers: { Authorization: `Bearer ${token.access_token}` } })).text) as { urls: Record<string, string> };
    expect(identity.urls['rest']).toBe(`${emu.url}/services/data/v{version}/`);
    expect(identity.urls['custom_domain']).toBe(emu.url);
    const resources = JSON.parse((await call(`${emu.url}/services/data/v${API_VERSION}/`, { ca, headers: { Authorization: `Bearer ${token.access_token}` } })).text) as Record<string, string>;
    expect(resources['identity']).toBe(token.id);
  });
});

describe('an emulator with HTTP and an HTTPS port', () => {
  let emu: RunningEmulator;
  let ca: string;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, host: '127.0.0.1', httpsPort: 0 });
    ca = emu.identity.certificate ?? '';
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('serves one org on both, each answering with its own scheme and port', async () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.httpsUrl).toBe(`https://127.0.0.1:${String(emu.identity.httpsPort)}`);
    const plain = JSON.parse((await passwordGrant(emu.url)).text) as { instance_url: string; access_token: string };
    const secure = JSON.parse((await passwordGrant(emu.httpsUrl ?? '', { ca })).text) as { instance_url: string };
    expect(plain.instance_url).toBe(emu.url);
    expect(secure.instance_url).toBe(emu.httpsUrl);
    // A session from one listener works on the other: one org.
    const created = await call(`${emu.httpsUrl ?? ''}/services/data/v${API_VERSION}/sobjects/Account`, { method: 'POST', ca, body: JSON.stringify({ Name: 'Both ways' }), headers: { Authorization: `Bearer ${plain.access_token}`, 'Content-Type': 'application/json' } });
    expect(created.status).toBe(201);
    const read = await call(`${emu.url}/services/data/v${API_VERSION}/query?q=${encodeURIComponent('SELECT Name FROM Account')}`, { headers: { Authorization: `Bearer ${plain.access_token}` } });
    expect(JSON.parse(read.text)).toMatchObject({ totalSize: 1, records: [{ Name: 'Both ways' }] });
  });

  it('follows X-Forwarded-Proto and X-Forwarded-Host from a TLS-terminating proxy', async () => {
    const proxied = JSON.parse((await passwordGrant(emu.url, { headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'emulator.example.test' } })).text) as { instance_url: string; id: string };
    expect(proxied.instance_url).toBe('https://emulator.example.test');
    expect(proxied.id.startsWith('https://emulator.example.test/id/')).toBe(true);
    // The first of a proxy chain's values wins; an unknown scheme is ignored.
    const chain = JSON.parse((await passwordGrant(emu.url, { headers: { 'X-Forwarded-Proto': 'https, http' } })).text) as { instance_url: string };
    expect(chain.instance_url).toBe(`https://127.0.0.1:${emu.port}`);
    const odd = JSON.parse((await passwordGrant(emu.url, { headers: { 'X-Forwarded-Proto': 'gopher' } })).text) as { instance_url: string };
    expect(odd.instance_url).toBe(emu.url);
  });

  it('ignores a Host header that is not a host, and answers with the address it listens on', async () => {
    const answer = await soapLogin(emu.url.replace('127.0.0.1', 'localhost'));
    expect(answer.text).toContain(`<serverUrl>http://localhost:${emu.port}/`);
    const injected = JSON.parse((await passwordGrant(emu.url, { headers: { Host: 'evil.test/<x>' } })).text) as { instance_url: string };
    expect(injected.instance_url).toBe(emu.url);
  });

  it('refuses https together with httpsPort', async () => {
    await expect(startEmulator({ port: 0, https: true, httpsPort: 0 })).rejects.toThrow(/https and httpsPort exclude each other/);
  });
});
