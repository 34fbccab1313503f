// What the emulator prints on start: where it listens and how to log in, so a person can paste
// the values into a client (jsforce, the Salesforce CLI, a browser).
import { X509Certificate } from 'node:crypto';
import type { EmulatorIdentity } from './index.ts';
import type { ResolvedOptions } from './options.ts';

export interface IdentityExtras {
  /** Where the command wrote the HTTPS certificate, for NODE_EXTRA_CA_CERTS. */
  certificateFile?: string;
}

type Shown = Pick<ResolvedOptions, 'snapshot' | 'sfdxProjects' | 'users' | 'jwtCertificate' | 'latency'>;

export function identityText(identity: EmulatorIdentity, options: Shown, extras: IdentityExtras = {}): string {
  const lines = [
    `Salesforce emulator listening on ${identity.instanceUrl}`,
    ...(identity.httpsUrl !== undefined && identity.httpsUrl !== identity.instanceUrl ? [`  HTTPS          ${identity.httpsUrl}`] : []),
    `  login URL      ${identity.loginUrl}`,
    `  username       ${identity.username}`,
    `  password       ${identity.password}`,
    `  security token ${identity.securityToken}   (password grant: ${identity.password}${identity.securityToken})`,
    `  more users     ${options.users.length === 0 ? 'none' : options.users.map((u) => u.username).join(', ')}`,
    `  client id      ${identity.clientId}`,
    `  client secret  ${identity.clientSecret}`,
    `  JWT bearer     ${options.jwtCertificate === undefined ? 'off (no certificate)' : 'on (certificate configured)'}`,
    `  org id         ${identity.orgId}`,
    `  API version    ${identity.apiVersion}`,
    `  currencies     ${identity.currencies.join(', ')}${identity.currencies.length > 1 ? ' (multi-currency; corporate first)' : ''}`,
    `  schema         ${options.sfdxProjects.join(', ')}`,
    `  data           ${options.snapshot === undefined ? 'in memory' : `snapshot ${options.snapshot}`}`,
    ...(options.latency.fixedMs > 0 || options.latency.perRecordMs > 0 ? [`  latency        ${options.latency.fixedMs} ms per call + ${options.latency.perRecordMs} ms per record`] : []),
    ...certificateLines(identity, extras),
    `  controls       ${identity.instanceUrl}/__emulator`,
  ];
  return `${lines.join('\n')}\n`;
}

function certificateLines(identity: EmulatorIdentity, extras: IdentityExtras): string[] {
  if (identity.certificate === undefined) return [];
  // SHA-256, as browsers show it when asked to trust the certificate.
  const fingerprint = ` (SHA-256 ${new X509Certificate(identity.certificate).fingerprint256})`;
  if (extras.certificateFile === undefined) return [`  certificate    self-signed, made at start${fingerprint}`];
  return [`  certificate    ${extras.certificateFile}${fingerprint}`, `                 trust it: NODE_EXTRA_CA_CERTS=${extras.certificateFile}`];
}
