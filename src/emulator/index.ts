// The Salesforce emulator's public surface: start it, stop it, reach its controls. It imports
// nothing from the rest of Ferry and runs alone (`ferry emulator`).
import { oauthRoutes } from './auth/oauth.ts';
import { BulkService } from './bulk/bulk.ts';
import { Bulk1Service } from './bulk1/bulk1.ts';
import { soapRoutes } from './soap/endpoint.ts';
import { EmulatorControls, controlsHandler } from './controls/controls.ts';
import { createDispatcher } from './http/dispatch.ts';
import type { Route } from './http/types.ts';
import { compositeRoutes } from './rest/composite.ts';
import { identityText } from './identity-text.ts';
import { resolveOptions, type EmulatorOptions } from './options.ts';
import { Org } from './org.ts';
import { limitRoutes, queryRoutes } from './rest/query.ts';
import { sobjectRoutes } from './rest/sobjects.ts';
import { EmulatorServer, listenAsConfigured } from './server.ts';
import { loadSnapshot, SnapshotWriter } from './snapshot.ts';
import { CometdServer } from './streaming/cometd.ts';
import { streamingChannelRoutes } from './streaming/generic-streaming.ts';
import { toolingRoutes } from './tooling/tooling.ts';
import { searchRoutes } from './rest/search.ts';
import { uiRoutes } from './ui/routes.ts';

export { DEFAULT_HOST, DEFAULT_IDENTITY, DEFAULT_PORT, DEFAULT_SFDX_PROJECT, DEFAULT_USERS } from './options.ts';
export type { EmulatorOptions, EmulatorUser, RequestInfo } from './options.ts';
export { EMULATOR_EXIT, parseEmulatorCommand, runEmulatorCommand, type EmulatorCommandOptions } from './command.ts';
export type { EmulatorControls, SeedResult } from './controls/controls.ts';
export type { FaultSpec, LatencyModel } from './controls/faults.ts';
export type { Counters } from './org.ts';

export interface EmulatorIdentity {
  loginUrl: string;
  instanceUrl: string;
  username: string;
  password: string;
  securityToken: string;
  clientId: string;
  clientSecret: string;
  orgId: string;
  userId: string;
  apiVersion: string;
  /** Active currencies, corporate first; more than one in a multi-currency org. */
  currencies: string[];
  /** With an HTTPS listener: its URL (the instance URL with `https`, another port with `httpsPort`). */
  httpsUrl?: string;
  httpsPort?: number;
  /** With an HTTPS listener: PEM of its self-signed certificate, for clients to trust. */
  certificate?: string;
}

export interface RunningEmulator {
  /** Base URL of the instance (also the login URL; one origin serves both); https with `https`. */
  url: string;
  /** URL of the HTTPS listener, if any (equals `url` with `https`). */
  httpsUrl: string | undefined;
  loginUrl: string;
  port: number;
  identity: EmulatorIdentity;
  /** Test controls, callable in-process; the same ones are served under /__emulator. */
  controls: EmulatorControls;
  /** Writes the snapshot now (if one is configured). */
  saveSnapshot(): Promise<void>;
  stop(): Promise<void>;
}

function routes(org: Org, bulk: BulkService, cometd: CometdServer): Route[] {
  const all: Route[] = [];
  const dispatch = createDispatcher(() => all);
  // Composite routes come first: /composite/sobjects/X must not be read as /sobjects/X; the
  // StreamingChannel push resource precedes the sobject routes' external-id lookup.
  all.push(...oauthRoutes(org), ...soapRoutes(org), ...compositeRoutes(org, dispatch), ...streamingChannelRoutes(org, cometd), ...sobjectRoutes(org), ...queryRoutes(org), ...toolingRoutes(org), ...limitRoutes(org), ...bulk.routes(), ...cometd.routes());
  all.push(...bulk.adopt(new Bulk1Service(org, bulk.jobIds)).routes());
  all.push(...searchRoutes(org));
  all.unshift(...uiRoutes(org, () => all)); // first: sobjects/X/describe/layouts and the like would read as records
  return all;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const resolved = resolveOptions(options);
  const org = await Org.create(resolved);
  if (resolved.snapshot !== undefined) await loadSnapshot(org, resolved.snapshot);
  const writer = resolved.snapshot === undefined ? null : new SnapshotWriter(org, resolved.snapshot);
  if (writer !== null) org.store.onChange(() => writer.schedule());
  let identity: EmulatorIdentity | null = null;
  // Controls need the server's state and the server needs the controls' handler: build in order.
  const holder: { controls: EmulatorControls | null } = { controls: null };
  const bulk = new BulkService(org);
  const cometd = new CometdServer(org);
  const server = new EmulatorServer(org, routes(org, bulk, cometd), (req) => {
    if (holder.controls === null || identity === null) throw new Error('emulator is still starting');
    return controlsHandler(holder.controls, () => ({ ...identity }))(req);
  });
  const controls = new EmulatorControls(org, server.state, () => writer?.schedule(), () => {
    bulk.clear();
    cometd.clear();
  }, () => cometd.clear());
  holder.controls = controls;
  const listening = await listenAsConfigured(server, resolved);
  const url = listening.url;
  identity = {
    loginUrl: url,
    instanceUrl: url,
    username: resolved.username,
    password: resolved.password,
    securityToken: resolved.securityToken,
    clientId: resolved.clientId,
    clientSecret: resolved.clientSecret,
    orgId: org.orgId,
    userId: org.adminUserId,
    apiVersion: resolved.apiVersion,
    currencies: [...resolved.currencies],
    ...(listening.https === undefined ? {} : { httpsUrl: listening.https.url, httpsPort: listening.https.port, certificate: listening.https.tls.cert }),
  };
  if (resolved.printIdentity) process.stdout.write(identityText(identity, resolved));
  let stopped = false;
  return {
    url,
    httpsUrl: listening.https?.url,
    loginUrl: url,
    port: listening.port,
    identity,
    controls,
    saveSnapshot: async () => {
      await writer?.flush();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.close();
      await bulk.stop();
      await writer?.flush();
    },
  };
}
