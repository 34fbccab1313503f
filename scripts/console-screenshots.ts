// Takes the console screenshots the README and docs/console.md show, from a real `ferry start`
// with its demo (emulated org, sample data), in Debian's Chromium. Run by hand after the console
// changes: npx tsx scripts/console-screenshots.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureConsoleBuilt, launchBrowser, newPage, signIn } from '../test/browser.ts';
import { freePort } from '../test/net.ts';

const root = join(import.meta.dirname, '..');
const images = join(root, 'docs', 'images');
ensureConsoleBuilt();
const dataDir = mkdtempSync(join(tmpdir(), 'ferry-screenshots-'));
const [port, emulatorPort] = [await freePort(), await freePort()];
const ferry = spawn(process.execPath, [join(root, 'bin', 'ferry.js'), 'start'], {
  env: { ...process.env, FERRY_DATA_DIR: dataDir, FERRY_PORT: String(port), FERRY_EMULATOR_PORT: String(emulatorPort), FERRY_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let banner = '';
ferry.stdout.on('data', (chunk: Buffer) => (banner += chunk.toString()));
try {
  const key = await (async () => {
    for (let i = 0; i < 120; i++) {
      const found = /API key\s+(ferry_\S+)/.exec(banner);
      if (found !== null) return found[1]!;
      await sleep(250);
    }
    throw new Error(`ferry start printed no API key:\n${banner}`);
  })();
  // Let the demo's first runs deliver before the pictures.
  await sleep(15_000);
  const url = `http://127.0.0.1:${port}`;
  const browser = await launchBrowser();
  const page = await newPage(browser);
  await signIn(page, url, key);
  const shoot = async (path: string, name: string, ready: () => Promise<unknown>) => {
    await page.goto(`${url}${path}`);
    await ready().catch(async (error: unknown) => {
      await page.screenshot({ path: join(images, `${name}-failed.png`), fullPage: true });
      throw error;
    });
    await sleep(1000);
    await page.screenshot({ path: join(images, `${name}.png`) });
  };
  await shoot('/', 'console-overview', () => page.getByRole('figure', { name: 'Runs per hour' }).waitFor());
  await shoot('/integrations', 'console-configurations', () => page.getByRole('region').first().waitFor());
  const first = await page.getByRole('link', { name: 'Accounts to Salesforce (demo)', exact: true }).getAttribute('href');
  await shoot(first!, 'console-integration-details', () => page.getByRole('heading', { name: 'Field mapping' }).waitFor());
  await shoot('/runs', 'console-runs', () => page.getByRole('table', { name: 'Runs' }).getByRole('row').nth(1).waitFor());
  await browser.close();
  console.log(`screenshots saved in ${images}`);
} finally {
  ferry.kill('SIGTERM');
  await new Promise((resolve) => ferry.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
