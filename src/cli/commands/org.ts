import type { Env } from '../../config/index.ts';
import { createApiKey, createOrganization, type CreatedOrganization } from '../../platform/index.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { RemoteFerry } from '../remote.ts';
import { announceServer, checkId, requireExistingStore, resolveOrganization, runningServer, withLocalStore } from '../runtime.ts';

interface OrgCommandOptions {
  env: Env;
  print: (line: string) => void;
  printError: (line: string) => void;
}

/** `ferry org create NAME`: a new organization and its first API key, printed once. */
export async function orgCreateCommand(options: OrgCommandOptions & { name: string }): Promise<void> {
  const server = runningServer(options.env);
  let created: CreatedOrganization;
  if (server !== undefined) {
    announceServer(server, options.env, options.printError);
    const remote = new RemoteFerry(server);
    created = remote.expect<CreatedOrganization>(await remote.request('POST', '/api/v1/local/organizations', { body: { name: options.name } }), 201);
  } else {
    created = await withLocalStore(options.env, options.printError, (db) => createOrganization(db, options.name));
  }
  options.print(`Organization ${created.organization.name}`);
  options.print(`  id       ${created.organization.id}`);
  options.print(`  API key  ${created.apiKey}   (shown once: store it now)`);
}

/**
 * `ferry org key create [--org ID]`: a new API key for an organization (the default one unless
 * named), from the machine that holds the data. The way back in when a key is lost.
 */
export async function orgKeyCreateCommand(options: OrgCommandOptions & { org?: string | undefined }): Promise<void> {
  if (options.org !== undefined) checkId(options.org, 'an organization id');
  const server = runningServer(options.env);
  let orgId: string;
  let apiKey: string | undefined;
  if (server !== undefined) {
    announceServer(server, options.env, options.printError);
    const remote = new RemoteFerry(server);
    orgId = await remote.organization(options.org);
    apiKey = remote.expect<{ apiKey: string }>(await remote.request('POST', `/api/v1/local/organizations/${orgId}/keys`), 201).apiKey;
  } else {
    requireExistingStore(options.env, 'issue a key for');
    ({ orgId, apiKey } = await withLocalStore(options.env, options.printError, async (db) => {
      const id = await resolveOrganization(db, options.env, options.org, options.print);
      return { orgId: id, apiKey: await createApiKey(db, id) };
    }));
  }
  if (apiKey === undefined) throw new CliError(`No organization has id ${orgId}.`, ExitCode.usage);
  options.print(`New API key for organization ${orgId}`);
  options.print(`  API key  ${apiKey}   (shown once: store it now)`);
}
