// Drives the console in Debian's Chromium with playwright-core, against a whole Ferry in the test
// process (test/ferry.ts): signs in, checks each page with axe-core, saves screenshots.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestFerry, type TestFerry, type TestFerryOptions } from './ferry.ts';

const ROOT = join(import.meta.dirname, '..');
export const CHROMIUM = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of every page the tests visit (not committed). */
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

/** Builds the console when its sources changed since the last build (a hash check otherwise). */
export function ensureConsoleBuilt(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-console.mjs')], { stdio: 'inherit' });
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: run bash scripts/ensure-chromium.sh (as root), or set FERRY_CHROMIUM.`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export interface ConsoleHarness {
  ferry: TestFerry;
  browser: Browser;
}

/**
 * The usual start of a browser test file: the console built, a whole Ferry with an emulated org
 * (test/ferry.ts) and Chromium started before its tests, both stopped after them. The harness's
 * fields are set once the file's first beforeAll has run.
 */
export function useConsole(options: TestFerryOptions = {}): ConsoleHarness {
  const harness = {} as ConsoleHarness;
  beforeAll(async () => {
    ensureConsoleBuilt();
    harness.ferry = await startTestFerry(options);
    harness.browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await harness.browser?.close();
    await harness.ferry?.stop();
  });
  return harness;
}

/** A fresh page at the console's size target (1280 pixels wide), with console errors collected. */
export async function newPage(browser: Browser): Promise<Page & { consoleErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = (await context.newPage()) as Page & { consoleErrors: string[] };
  page.consoleErrors = [];
  page.on('console', (message) => {
    // A 401 the console expects (the session check before sign-in) is logged by the browser too.
    if (message.type() === 'error' && !message.text().includes('401')) page.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => page.consoleErrors.push(error.message));
  return page;
}

/** Signs in through the sign-in page as a person would. */
export async function signIn(page: Page, url: string, apiKey: string): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console sections' }).waitFor();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string; failureSummary?: string }[];
}

/** Runs axe-core on the page as it is now: no serious or critical violation may remain. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  // Colours are checked as they settle: a dialog fading in shows blends that are no colour of the page.
  await page.waitForFunction(() => ((globalThis as any).document.getAnimations() as { playState: string }[]).every((animation) => animation.playState !== 'running'));
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // Runs in the page: the browser's globals, which this file's (Node) types do not name.
    const page = globalThis as any;
    const result = (await page.axe.run(page.document, { resultTypes: ['violations'] })) as { violations: AxeViolation[] };
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.html.slice(0, 160)} (${n.failureSummary ?? ''})`) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${what}: axe-core found ${JSON.stringify(serious, null, 2)}`).toEqual([]);
  // The page fits the window (1280 pixels wide): nothing makes the whole page scroll sideways.
  const widths = await page.evaluate(() => {
    const root = (globalThis as any).document.documentElement;
    return { scroll: Number(root.scrollWidth), client: Number(root.clientWidth) };
  });
  expect(widths.scroll, `${what}: the page is ${widths.scroll} pixels wide in a ${widths.client}-pixel window`).toBeLessThanOrEqual(widths.client);
}

/** Saves a full-page screenshot under test-output/screenshots. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // From the top: the console's header is fixed, and a scrolled page would draw it mid-picture.
  await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}
