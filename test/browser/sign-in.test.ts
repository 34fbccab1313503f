import { describe, expect, it } from 'vitest';
import { expectAccessible, newPage, screenshot, useConsole } from '../browser.ts';

const app = useConsole();

describe('signing in to the console', () => {
  it('says a wrong key is wrong, signs in with the right one into a session cookie, and signs out', async () => {
    const page = await newPage(app.browser);
    await page.goto(`${app.ferry.url}/integrations`);
    await page.waitForURL(/\/sign-in\?next=%2Fintegrations/);
    await expectAccessible(page, 'sign-in page');
    await screenshot(page, 'sign-in');

    await page.getByLabel('API key').fill('ferry_wrong-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That API key is not valid');

    await page.getByLabel('API key').fill(app.ferry.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Back where the person was going.
    await page.waitForURL(`${app.ferry.url}/integrations`);
    await page.getByRole('navigation', { name: 'Console sections' }).waitFor();

    const cookies = await page.context().cookies();
    const session = cookies.find((cookie) => cookie.name === 'ferry_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');
    expect(session.expires).toBeGreaterThan(Date.now() / 1000);
    const stored = await page.evaluate(() => {
      const browserSide = globalThis as any;
      return JSON.stringify({ ...browserSide.localStorage }) + JSON.stringify({ ...browserSide.sessionStorage }) + String(browserSide.document.cookie);
    });
    expect(stored).not.toContain(app.ferry.apiKey);
    expect(stored).not.toContain(session.value);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    expect((await page.context().cookies()).find((cookie) => cookie.name === 'ferry_session')).toBeUndefined();
    // The old session is closed on the server too: replaying its cookie is refused.
    const replay = await fetch(`${app.ferry.url}/api/v1/session`, { headers: { cookie: `ferry_session=${session.value}` } });
    expect(replay.status).toBe(401);
    expect(page.consoleErrors).toEqual([]);
  });

  it('links to a readable API reference, rendered in the app.browser from the OpenAPI document, with examples', async () => {
    const page = await newPage(app.browser);
    await page.goto(`${app.ferry.url}/sign-in`);
    await page.getByRole('link', { name: '/api/v1/docs' }).click();
    await page.waitForURL(`${app.ferry.url}/api/v1/docs`);
    // Swagger UI lists every tag, collapsed (drawing 150 operations at once takes the app.browser
    // seconds); a tag opens to its operations, an operation to its parameters and examples.
    await expect.poll(() => page.locator('.opblock-tag').count(), { timeout: 20_000 }).toBeGreaterThan(20);
    await page.locator('#operations-tag-Console_session').click();
    await page.locator('#operations-Console_session-sign-in .opblock-summary-control').click();
    await expect.poll(() => page.locator('#operations-Console_session-sign-in').textContent()).toContain('Open a console session with an API key');
    await screenshot(page, 'api-reference');
    expect(page.consoleErrors).toEqual([]);
  });
});
