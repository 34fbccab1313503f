import { describe, expect, it } from 'vitest';
import { runEmulatorCommand } from '../../src/emulator/index.ts';

describe('emulator command', () => {
  it('prints the identity, serves requests and exits 0 when stopped', async () => {
    let output = '';
    const controller = new AbortController();
    let printed: () => void = () => undefined;
    const identityPrinted = new Promise<void>((resolve) => {
      printed = resolve;
    });
    const exit = runEmulatorCommand({
      port: 0,
      host: '127.0.0.1',
      signal: controller.signal,
      write: (text) => {
        output += text;
        printed();
      },
    });
    await identityPrinted;
    for (const expected of ['admin@ferry.test', 'password       ferry', 'security token emulator', 'ferry-emulator-secret']) expect(output).toContain(expected);
    const url = /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? '';
    const versions = await fetch(`${url}/services/data`);
    expect(versions.status).toBe(200);
    controller.abort();
    expect(await exit).toBe(0);
  });

  it('refuses an invalid port with exit code 2', async () => {
    let output = '';
    expect(await runEmulatorCommand({ port: 'eighty', write: (t) => (output += t) })).toBe(2);
    expect(output).toContain('invalid port');
  });
});
