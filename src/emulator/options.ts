// Options of the emulator and their defaults. The identity defaults are the ones printed on start
// and documented in docs/emulator.md; tests and benchmarks rely on them.
import { fileURLToPath } from 'node:url';

export interface EmulatorUser {
  username: string;
  password: string;
  securityToken?: string;
  firstName?: string;
  lastName: string;
  email?: string;
}

export interface EmulatorOptions {
  /** TCP port; 0 lets the OS pick (tests). Default 8788. */
  port?: number;
  host?: string;
  /**
   * Serve HTTPS on `port` instead of HTTP, with a self-signed certificate made at start (its PEM
   * is `identity.certificate`: clients trust it, e.g. NODE_EXTRA_CA_CERTS for the Salesforce CLI).
   */
  https?: boolean;
  /** Serve HTTPS on this port too (0: any free port), beside HTTP on `port`. */
  httpsPort?: number;
  /** Latency every Salesforce call gets from the start, as the /__emulator/latency control sets it. */
  latency?: { fixedMs: number; perRecordMs: number };
  /** JSON file the org's data is loaded from on start and saved to on changes and stop. */
  snapshot?: string;
  /** SFDX project folders whose objects and fields extend the schema. Default: the repo's salesforce/. */
  sfdxProjects?: string[];
  username?: string;
  password?: string;
  securityToken?: string;
  clientId?: string;
  clientSecret?: string;
  /** Users besides the admin (an integration user, a sales rep...). */
  users?: EmulatorUser[];
  /** PEM certificate or public key of the connected app, for the JWT bearer flow. */
  jwtCertificate?: string;
  /** Redirect URIs accepted by the authorization-code flow; empty accepts any. */
  callbackUrls?: string[];
  /** Access tokens expire after this long. Default 2 hours, as in a real org. */
  sessionTtlSeconds?: number;
  /** Newest API version served; older ones down to 31.0 are accepted too. */
  apiVersion?: string;
  /** Daily API request allocation; once used, calls answer REQUEST_LIMIT_EXCEEDED. */
  dailyApiRequests?: number;
  /** Objects that publish Change Data Capture events; "all" for every stored object. */
  cdcObjects?: string[] | 'all';
  /** How long streaming events stay replayable. Default 72 hours. */
  eventRetentionHours?: number;
  /** Most events kept for replay, whatever their age. */
  eventRetentionCount?: number;
  /** Longest a CometD connect is held open. Default 110 s as in Salesforce; tests shorten it. */
  streamingTimeoutMs?: number;
  /**
   * The org setting "Enable Dynamic Streaming Channel Creation": a subscription to /u/{name} of a
   * channel that does not exist creates its StreamingChannel instead of being refused. Default off,
   * as in a new org.
   */
  dynamicStreamingChannels?: boolean;
  /** Rows per Bulk API 2.0 query results page when the client sends no maxRecords. */
  bulkQueryPageSize?: number;
  /** Clock, for tests that need fixed dates. */
  now?: () => number;
  /** Print the identity and URLs on start. */
  printIdentity?: boolean;
  /** Which org this is (its Organization Id derives from it): two emulators with different numbers are two orgs. */
  orgNumber?: number;
  /**
   * Active currencies as ISO 4217 codes, the corporate currency first. Two or more make a
   * multi-currency org (CurrencyIsoCode on every object, CurrencyType); one, or none, a
   * single-currency org in that currency. Default ["USD"].
   */
  currencies?: string[];
  /** Called after every request, e.g. to log traffic (`ferry emulator --log`). */
  onRequest?: (info: RequestInfo) => void;
}

export interface RequestInfo {
  method: string;
  /** Path and query string as the client sent them. */
  url: string;
  status: number;
  ms: number;
  /** The request body as the client sent it (JSON, CSV, form), for tests that check the wire. */
  body: Buffer;
}

export const DEFAULT_PORT = 8788;
export const DEFAULT_HOST = '127.0.0.1';

export const DEFAULT_IDENTITY = {
  username: 'admin@ferry.test',
  password: 'ferry',
  securityToken: 'emulator',
  clientId: 'ferry-emulator',
  clientSecret: 'ferry-emulator-secret',
} as const;

export const DEFAULT_USERS: EmulatorUser[] = [
  { username: 'integration@ferry.test', password: 'ferry', securityToken: 'emulator', firstName: 'Ferry', lastName: 'Integration' },
  { username: 'rep@ferry.test', password: 'ferry', securityToken: 'emulator', firstName: 'Sam', lastName: 'Rep' },
];

export const DEFAULT_SFDX_PROJECT = fileURLToPath(new URL('../../salesforce', import.meta.url));

export interface ResolvedOptions {
  port: number;
  host: string;
  https: boolean;
  httpsPort: number | undefined;
  latency: { fixedMs: number; perRecordMs: number };
  snapshot: string | undefined;
  sfdxProjects: string[];
  username: string;
  password: string;
  securityToken: string;
  clientId: string;
  clientSecret: string;
  users: EmulatorUser[];
  jwtCertificate: string | undefined;
  callbackUrls: string[];
  sessionTtlSeconds: number;
  apiVersion: string;
  dailyApiRequests: number;
  cdcObjects: string[] | 'all';
  eventRetentionHours: number;
  eventRetentionCount: number;
  streamingTimeoutMs: number;
  dynamicStreamingChannels: boolean;
  bulkQueryPageSize: number;
  now: () => number;
  printIdentity: boolean;
  orgNumber: number;
  /** At least one; the first is the corporate currency. */
  currencies: string[];
  onRequest: ((info: RequestInfo) => void) | undefined;
}

export const DEFAULT_CURRENCY = 'USD';

/** Checks the currency list: three-letter upper-case codes, each once. */
export function resolveCurrencies(currencies: readonly string[] | undefined): string[] {
  const list = currencies === undefined || currencies.length === 0 ? [DEFAULT_CURRENCY] : [...currencies];
  const bad = list.filter((c) => !/^[A-Z]{3}$/.test(c));
  if (bad.length > 0) throw new Error(`emulator currencies must be ISO 4217 codes such as USD or EUR: ${bad.join(', ')}`);
  const repeated = list.filter((c, i) => list.indexOf(c) !== i);
  if (repeated.length > 0) throw new Error(`emulator currencies are listed twice: ${[...new Set(repeated)].join(', ')}`);
  return list;
}

export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  if (options.https === true && options.httpsPort !== undefined) {
    throw new Error('emulator options https and httpsPort exclude each other: https makes `port` serve HTTPS; httpsPort adds an HTTPS port beside HTTP on `port`');
  }
  return {
    port: options.port ?? DEFAULT_PORT,
    host: options.host ?? DEFAULT_HOST,
    https: options.https ?? false,
    httpsPort: options.httpsPort,
    latency: { ...(options.latency ?? { fixedMs: 0, perRecordMs: 0 }) },
    snapshot: options.snapshot,
    sfdxProjects: options.sfdxProjects ?? [DEFAULT_SFDX_PROJECT],
    username: options.username ?? DEFAULT_IDENTITY.username,
    password: options.password ?? DEFAULT_IDENTITY.password,
    securityToken: options.securityToken ?? DEFAULT_IDENTITY.securityToken,
    clientId: options.clientId ?? DEFAULT_IDENTITY.clientId,
    clientSecret: options.clientSecret ?? DEFAULT_IDENTITY.clientSecret,
    users: options.users ?? DEFAULT_USERS,
    jwtCertificate: options.jwtCertificate,
    callbackUrls: options.callbackUrls ?? [],
    sessionTtlSeconds: options.sessionTtlSeconds ?? 7200,
    apiVersion: options.apiVersion ?? '60.0',
    dailyApiRequests: options.dailyApiRequests ?? 1_000_000,
    cdcObjects: options.cdcObjects ?? 'all',
    eventRetentionHours: options.eventRetentionHours ?? 72,
    eventRetentionCount: options.eventRetentionCount ?? 100_000,
    streamingTimeoutMs: options.streamingTimeoutMs ?? 110_000,
    dynamicStreamingChannels: options.dynamicStreamingChannels ?? false,
    bulkQueryPageSize: options.bulkQueryPageSize ?? 50_000,
    now: options.now ?? Date.now,
    printIdentity: options.printIdentity ?? false,
    orgNumber: options.orgNumber ?? 1,
    currencies: resolveCurrencies(options.currencies),
    onRequest: options.onRequest,
  };
}
