import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/db.ts';
import { DEFAULT_IDENTITY, startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { createOrganization } from '../../platform/index.ts';
import type { Database } from '../../storage/index.ts';
import { Credentials } from './credentials.ts';
import { SecretBox } from './secret-box.ts';

let db: Database;
let emulator: RunningEmulator;
let orgId: string;
const logged: { level: number; msg: string }[] = [];
const logger = pino(
  { level: 'error' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  }),
);

beforeAll(async () => {
  db = await openTestDatabase();
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
  orgId = (await createOrganization(db, 'Tokens')).organization.id;
});
afterAll(async () => {
  await emulator.stop();
  await db.close();
});

describe('tokens Salesforce hands out', () => {
  it('goes on with a rotated refresh token it could not store, and logs it as an error that says what follows', async () => {
    // A database that takes everything but the write of new tokens (say, a full disk).
    const failing: Database = { ...db, transaction: () => Promise.reject(new Error('could not extend file: No space left on device')) };
    const credentials = new Credentials(failing, new SecretBox(randomBytes(32)), { timeoutMs: 5000 }, logger);
    emulator.controls.setRefreshTokenRotation(true);
    const created = await credentials.create(orgId, {
      name: 'Rotating', type: 'authorization_code', loginUrl: emulator.loginUrl, clientId: DEFAULT_IDENTITY.clientId, clientSecret: DEFAULT_IDENTITY.clientSecret,
      redirectUri: 'http://127.0.0.1/callback', refreshToken: emulator.controls.refreshTokenFor(DEFAULT_IDENTITY.username),
    });
    if (!created.ok) throw new Error(created.error.message);
    const tested = await credentials.test(orgId, created.value.id);
    expect(tested).toMatchObject({ ok: true, value: { ok: true, organizationId: emulator.identity.orgId } });
    const errors = logged.filter((line) => line.level >= 50);
    expect(errors).toEqual([expect.objectContaining({ msg: expect.stringContaining('could not store the tokens Salesforce issued') })]);
    expect(errors[0]!.msg).toContain('needs authorizing again if its refresh token was rotated');
    expect(JSON.stringify(logged)).not.toContain(DEFAULT_IDENTITY.clientSecret);
  });
});
