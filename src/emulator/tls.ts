// The certificate of the HTTPS listener: self-signed, made at each start (no file to keep or to
// leak), through `selfsigned` because Node's crypto makes keys but cannot issue an X.509
// certificate. Clients trust it by its PEM: NODE_EXTRA_CA_CERTS for the Salesforce CLI, `ca` for
// node:https, the OS store for a browser.
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface TlsCredentials {
  /** PEM of the certificate; also what clients trust. */
  cert: string;
  /** PEM of its private key. */
  key: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Names the certificate covers: loopback always, and the host the emulator listens on. */
export function certificateNames(host: string): { dns: string[]; ips: string[] } {
  const dns = new Set(['localhost']);
  const ips = new Set(['127.0.0.1', '::1']);
  const bare = host.replace(/^\[|\]$/g, '');
  // 0.0.0.0 and :: are "every interface", not an address a client connects to.
  if (isIP(bare) !== 0 && bare !== '0.0.0.0' && bare !== '::') ips.add(bare);
  else if (isIP(bare) === 0 && bare !== '') dns.add(bare.toLowerCase());
  return { dns: [...dns], ips: [...ips] };
}

export async function selfSignedCertificate(host: string): Promise<TlsCredentials> {
  const { dns, ips } = certificateNames(host);
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: 'Ferry Salesforce emulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    // A day back tolerates a client whose clock is slightly behind.
    notBeforeDate: new Date(now - DAY_MS),
    notAfterDate: new Date(now + 365 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...dns.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
