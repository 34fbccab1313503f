// The HTTP front: plain node:http rather than a framework, because the wire shapes are the point
// of the emulator (error arrays, Sforce-Limit-Info on every REST answer, `Sforce-Locator: null`,
// CSV and XML bodies, CometD long polls held open) and a framework would fight several of them.
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { isIPv6, type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Org } from './org.ts';
import { Faults, NO_LATENCY, type LatencyModel } from './controls/faults.ts';
import { JSON_TYPE, sfError, type EmuRequest, type EmuResponse, type Route } from './http/types.ts';
import type { ResolvedOptions } from './options.ts';
import { selfSignedCertificate, type TlsCredentials } from './tls.ts';

const MAX_BODY = 150 * 1024 * 1024;

export interface ServerState {
  faults: Faults;
  latency: LatencyModel;
}

export type ControlHandler = (req: EmuRequest) => EmuResponse | Promise<EmuResponse>;

function bearer(headers: IncomingMessage['headers']): string | null {
  const header = headers.authorization;
  if (header === undefined) return null;
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header.trim());
  return m?.[1] ?? null;
}

// A Host header names a host and an optional port; anything else (spaces, markup, paths) is not a
// host, and is not echoed into the URLs we answer with.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(',')[0]?.trim();
}

/**
 * scheme://host[:port] as the client addressed us, which instance URLs, identity URLs and SOAP
 * server URLs are built from, so that a client keeps talking to the origin it chose. The scheme
 * is https on a TLS socket. X-Forwarded-Proto and X-Forwarded-Host (from a TLS-terminating proxy
 * in front of the emulator) are trusted: the URLs built from them go back only to the client that
 * sent them, and nothing in the emulator is guarded by its own origin, so a client spoofing them
 * can only mislead itself.
 */
export function requestBaseUrl(raw: IncomingMessage): string {
  const encrypted = (raw.socket as Partial<TLSSocket>).encrypted === true;
  const forwardedProto = firstValue(raw.headers['x-forwarded-proto'])?.toLowerCase();
  const scheme = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : encrypted ? 'https' : 'http';
  const forwardedHost = firstValue(raw.headers['x-forwarded-host']);
  const host = [forwardedHost, raw.headers.host].find((h) => h !== undefined && HOST.test(h)) ?? socketHost(raw);
  return `${scheme}://${host}`;
}

/** host:port of the socket the request came in on, for a client that sent no usable Host. */
function socketHost(raw: IncomingMessage): string {
  // An IPv4 client on a dual-stack socket shows as ::ffff:127.0.0.1.
  const address = (raw.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d)/, '');
  return `${isIPv6(address) ? `[${address}]` : address}:${raw.socket.localPort ?? 0}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class EmulatorServer {
  readonly #org: Org;
  readonly #routes: Route[];
  readonly #controls: ControlHandler;
  readonly state: ServerState;
  #servers: Server[] = [];
  #closing = new AbortController();

  constructor(org: Org, routes: Route[], controls: ControlHandler) {
    this.#org = org;
    this.#routes = routes;
    this.#controls = controls;
    this.state = { faults: new Faults(), latency: { ...NO_LATENCY, ...org.options.latency } };
    // Every request in flight listens for the stop: many at once is normal, not a leak.
    setMaxListeners(0, this.#closing.signal);
  }

  /** Aborted when the server stops: long polls and hung requests end at once. */
  get closingSignal(): AbortSignal {
    return this.#closing.signal;
  }

  /** Starts one more listener: plain HTTP, or HTTPS with `tls`. Several may serve the same org. */
  async listen(port: number, host: string, tls?: { cert: string; key: string }): Promise<AddressInfo> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': JSON_TYPE });
          res.end(JSON.stringify([{ message: error instanceof Error ? error.message : String(error), errorCode: 'UNKNOWN_EXCEPTION' }]));
        } else {
          res.destroy();
        }
      });
    };
    const server: Server = tls === undefined ? createServer({ keepAlive: true }, handler) : createTlsServer({ keepAlive: true, cert: tls.cert, key: tls.key }, handler);
    // Long polls hold connections for up to the CometD timeout; don't let Node cut them first.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#servers.push(server);
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    const servers = this.#servers;
    this.#servers = [];
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  async #handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    // Salesforce tolerates doubled slashes, and the CLI sends them (instance URL with a trailing
    // slash + "/services/..."). A leading "//" would otherwise parse as a host name.
    const url = new URL((raw.url ?? '/').replace(/^\/{2,}/, '/'), 'http://emulator.invalid');
    const method = (raw.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/\/{2,}/g, '/');
    const body = await readBody(raw);
    const abort = new AbortController();
    const onClose = (): void => abort.abort();
    res.on('close', onClose);
    this.#closing.signal.addEventListener('abort', onClose, { once: true });
    const req: EmuRequest = {
      method,
      path,
      query: url.searchParams,
      headers: raw.headers,
      body,
      params: [],
      session: null,
      apiVersion: this.#org.options.apiVersion,
      baseUrl: requestBaseUrl(raw),
      signal: abort.signal,
    };
    let response: EmuResponse;
    let limitHeader = false;
    // A real org commits near the end of a call: the fixed part of the modelled latency passes
    // before the request is handled (so a write becomes visible about when its answer leaves),
    // the per-record part after, once the number of records is known.
    const latency = this.state.latency;
    const isControl = path.startsWith('/__emulator');
    if (!isControl && latency.fixedMs > 0) await new Promise((resolve) => setTimeout(resolve, latency.fixedMs));
    try {
      if (path.startsWith('/__emulator/') || path === '/__emulator') {
        response = await this.#controls(req);
      } else {
        limitHeader = /^\/services\/data\/v\d+\.\d/.test(path);
        response = await this.#dispatch(req, method, path);
      }
    } finally {
      this.#closing.signal.removeEventListener('abort', onClose);
    }
    const delay = isControl ? 0 : latency.perRecordMs * (response.records ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    this.#write(res, response, limitHeader);
    this.#org.options.onRequest?.({ method, url: raw.url ?? path, status: response.status, ms: Math.round(performance.now() - started), body });
  }

  async #dispatch(req: EmuRequest, method: string, path: string): Promise<EmuResponse> {
    const org = this.#org;
    const fault = this.state.faults.take(method, path);
    if (fault !== undefined) {
      if (fault.hangMs !== null) await this.#hang(fault.hangMs, req.signal);
      return fault.plain ? { status: fault.status, raw: fault.message, contentType: 'text/plain' } : sfError(fault.status, fault.errorCode, fault.message);
    }
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (m === null) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const captures = m.slice(1).map((c) => c ?? '');
      if (route.counted) {
        req.apiVersion = captures[0] ?? req.apiVersion;
        req.params = captures.slice(1);
      } else {
        req.params = captures;
      }
      if (route.auth) {
        const token = bearer(req.headers);
        const lookup = token === null ? { ok: false as const } : org.auth.lookup(token);
        if (!lookup.ok) return sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
        req.session = lookup.session;
      }
      if (route.counted) {
        if (org.apiUsed >= org.apiMax) return sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
        org.apiUsed += 1;
      }
      org.countCall(route.kind);
      return await route.handler(req);
    }
    if (pathMatched) {
      const allowed = [...new Set(this.#routes.filter((r) => r.pattern.test(path)).map((r) => r.method))].join(',');
      return sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed}`);
    }
    return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  #hang(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  #write(res: ServerResponse, response: EmuResponse, limitHeader: boolean): void {
    if (res.destroyed || res.writableEnded) return;
    const headers: Record<string, string> = { ...(response.headers ?? {}) };
    if (limitHeader) headers['Sforce-Limit-Info'] = `api-usage=${this.#org.apiUsed}/${this.#org.apiMax}`;
    let payload: string | Buffer = '';
    if (response.raw !== undefined) {
      payload = response.raw;
      if (response.contentType !== undefined) headers['Content-Type'] = response.contentType;
    } else if (response.body !== undefined) {
      payload = JSON.stringify(response.body);
      headers['Content-Type'] = response.contentType ?? JSON_TYPE;
    }
    if (response.status === 204) payload = '';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(response.status, headers);
    res.end(payload);
  }
}

export interface Listening {
  /** The first listener's URL: https with `https`, else http. */
  url: string;
  port: number;
  /** The HTTPS listener (on `port` with `https`, on `httpsPort` beside HTTP), if any. */
  https: { url: string; port: number; tls: TlsCredentials } | undefined;
}

/** Opens the listeners the options ask for; if one cannot listen, none stays open. */
export async function listenAsConfigured(server: EmulatorServer, options: Pick<ResolvedOptions, 'port' | 'host' | 'https' | 'httpsPort'>): Promise<Listening> {
  const tls = options.https || options.httpsPort !== undefined ? await selfSignedCertificate(options.host) : undefined;
  try {
    const main = await server.listen(options.port, options.host, options.https ? tls : undefined);
    const url = listenerUrl(options.https ? 'https' : 'http', main);
    if (tls === undefined) return { url, port: main.port, https: undefined };
    if (options.https) return { url, port: main.port, https: { url, port: main.port, tls } };
    const secure = await server.listen(options.httpsPort ?? 0, options.host, tls);
    return { url, port: main.port, https: { url: listenerUrl('https', secure), port: secure.port, tls } };
  } catch (error) {
    await server.close();
    throw error;
  }
}

function listenerUrl(scheme: 'http' | 'https', address: AddressInfo): string {
  // "Every interface" is no address to connect to; loopback is one of them.
  const any = address.address === '0.0.0.0' || address.address === '::';
  const host = any ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}
