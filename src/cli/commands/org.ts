import type { Env } from '../../config/index.ts';
import { createApiKey, createOrganization, type CreatedOrganization } from '../../platform/index.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { RemoteFerry } from '../remote.ts';
import { checkId, claimDataDir, describeStore, openMigratedDatabase, requireExistingStore, resolveOrganization, runningServer } from '../runtime.ts';

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
    options.printError(`using the running Ferry at ${server.url} (${describeStore(options.env)})`);
    const remote = new RemoteFerry(server);
    created = remote.expect<CreatedOrganization>(await remote.request('POST', '/api/v1/local/organizations', { body: { name: options.name } }), 201);
  } else {
    const release = claimDataDir(options.env);
    options.printError(`using ${describeStore(options.env)}`);
    const db = await openMigratedDatabase(options.env);
    try {
      created = await createOrganization(db, options.name);
    } finally {
      await db.close();
      release();
    }
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
    options.printError(`using the running Ferry at ${server.url} (${describeStore(options.env)})`);
    const remote = new RemoteFerry(server);
    orgId = await remote.organization(options.org);
    apiKey = remote.expect<{ apiKey: string }>(await remote.request('POST', `/api/v1/local/organizations/${orgId}/keys`), 201).apiKey;
  } else {
    requireExistingStore(options.env, 'issue a key for');
    const release = claimDataDir(options.env);
    options.printError(`using ${describeStore(options.env)}`);
    const db = await openMigratedDatabase(options.env);
    try {
      orgId = await resolveOrganization(db, options.env, options.org, options.print);
      apiKey = await createApiKey(db, orgId);
    } finally {
      await db.close();
      release();
    }
  }
  if (apiKey === undefined) throw new CliError(`No organization has id ${orgId}.`, ExitCode.usage);
  options.print(`New API key for organization ${orgId}`);
  options.print(`  API key  ${apiKey}   (shown once: store it now)`);
}
