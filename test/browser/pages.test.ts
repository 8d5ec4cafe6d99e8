// Every sign-in page in a real browser (Debian's Chromium), in English and Swedish, at desktop and
// phone width: axe-core finds no serious or critical accessibility violation, the page keeps its
// strict CSP (the stylesheet loads: the card has its border), and each is saved as a screenshot
// for review (test/artifacts/screenshots/, kept by CI as the browser tests' artefacts). Also the
// behaviour the pages promise: authenticator titles and the client's name, the username kept
// after a failed password, field names from their labels, Cancel after the main action, the
// autocomplete hints, and a way on from every dead end.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowserEnvironment } from './setup';

const SHOTS = join('test', 'artifacts', 'screenshots');
const AXE = readFileSync(join('node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const LOCALES = ['en', 'sv'] as const;

const setup = useBrowserEnvironment({
  vars: {
    AUTHENTICATORS: JSON.stringify([
      { id: 'pw', type: 'password', registration: true },
      { id: 'passkey', type: 'webauthn', prerequisiteAuthenticator: 'pw' },
    ]),
  },
  prepare: async () => {
    mkdirSync(SHOTS, { recursive: true });
  },
});

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}

/** axe-core on the page as it is (evaluated through the debugging protocol: the CSP stays on). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = (await page.evaluate(
    'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Checks a page and keeps its screenshot as <locale>-<viewport>-<name>.png. */
async function review(page: Page, name: string, locale: string, viewport: string): Promise<void> {
  expect(await seriousViolations(page), `${name} (${locale}, ${viewport})`).toEqual([]);
  // The default stylesheet loaded under the page's CSP: the card is styled.
  const border = await page.evaluate(
    'getComputedStyle(document.querySelector(".card")).borderTopWidth',
  );
  expect(border).toBe('1px');
  await page.screenshot({ path: join(SHOTS, `${locale}-${viewport}-${name}.png`), fullPage: true });
}

describe.each(LOCALES)('sign-in pages (%s)', (locale) => {
  it.each(VIEWPORTS)('$name: every page passes axe and has a way on', async (viewport) => {
    const context = await setup.browser.newContext({
      viewport: { width: viewport.width, height: viewport.height },
      locale,
      extraHTTPHeaders: { 'Accept-Language': locale },
    });
    const page = await context.newPage();
    const v = viewport.name;
    const sv = locale === 'sv';

    await page.goto(`${setup.server.issuer}/dev`);
    await review(page, 'dev-start', locale, v);
    await page.click('#start');

    // The selector: titles, not ids; the client's name.
    await page.waitForSelector('form[data-kind="select-authenticator"]');
    expect(
      await page.locator('form[data-kind="select-authenticator"] button').allTextContents(),
    ).toEqual(sv ? ['Användarnamn och lösenord', 'Passkey'] : ['Username and password', 'Passkey']);
    expect(await page.locator('p.client strong').textContent()).toBe('Development console');
    await review(page, 'selector', locale, v);

    // The passkey step (its username form), then the password's (each option is a link).
    const selectorUrl = page.url();
    await page.click('form[data-kind="select-authenticator"][action$="/passkey"] button');
    await page.waitForSelector('input[name="userName"]');
    expect(await page.getAttribute('input[name="userName"]', 'autocomplete')).toBe(
      'username webauthn',
    );
    await review(page, 'passkey-username', locale, v);
    await page.goto(`${selectorUrl}/pw`);

    // The password step: Cancel comes after the main action in the page (and focus) order.
    await page.waitForSelector('form[data-kind="login"]');
    const kinds = await page
      .locator('main form')
      .evaluateAll((forms) => forms.map((f) => f.getAttribute('data-kind')));
    expect(kinds).toEqual(['login', 'cancel']);
    expect(await page.locator('nav.alternatives a').allTextContents()).toEqual(['Passkey']);
    expect(await page.getAttribute('input[name="password"]', 'autocomplete')).toBe(
      'current-password',
    );
    await review(page, 'password', locale, v);

    // A wrong password: one alert, the username kept, the password emptied.
    await page.fill('input[name="userName"]', 'demo');
    await page.fill('input[name="password"]', 'not-the-password');
    await page.click('form[data-kind="login"] button');
    await page.waitForSelector('[role="alert"]');
    expect(await page.locator('[role="alert"]').count()).toBe(1);
    expect(await page.inputValue('input[name="userName"]')).toBe('demo');
    expect(await page.inputValue('input[name="password"]')).toBe('');
    await review(page, 'password-failed', locale, v);

    // Account creation: an empty submission names the fields by their labels.
    await page.click('a[href$="/register"]');
    await page.waitForSelector('form[data-kind="user-register"]');
    expect(await page.getAttribute('input[name="password"]', 'autocomplete')).toBe('new-password');
    // The browser's own checks off, so the server's answer shows.
    await page.evaluate(
      'for (const i of document.querySelectorAll("input")) { i.removeAttribute("required"); i.removeAttribute("minlength"); }',
    );
    await page.click('form[data-kind="user-register"] button');
    await page.waitForSelector('[role="alert"] li');
    const items = await page.locator('[role="alert"] li').allTextContents();
    expect(items.join(' ')).toContain(sv ? 'Användarnamn' : 'Username');
    expect(items.join(' ')).not.toContain('userName');
    expect(await page.getAttribute('input[name="userName"]', 'aria-invalid')).toBe('true');
    await review(page, 'register-invalid', locale, v);
    await page.click('nav.links:not(.alternatives) a');

    // Signed in: the code is redeemed on the callback page.
    await page.waitForSelector('form[data-kind="login"]');
    await page.fill('input[name="userName"]', 'demo');
    await page.fill('input[name="password"]', 'Password1');
    const stepUrl = page.url();
    await page.click('form[data-kind="login"] button');
    await page.waitForURL(/\/dev\/callback/);
    await page.click('#exchange');
    await page.waitForSelector('#status:not([hidden])');
    expect(await page.locator('#status').textContent()).toBe('Signed in: the code was redeemed.');
    expect(await page.locator('#tokens').textContent()).toContain('"status": 200');
    await review(page, 'dev-callback', locale, v);

    // The finished flow reopened: it says so, and offers no button that cannot work.
    await page.goto(stepUrl);
    expect(await page.locator('main form').count()).toBe(0);
    expect(await page.locator('h1').textContent()).toBe(
      sv ? 'Du är inloggad' : 'You are signed in',
    );
    await review(page, 'finished', locale, v);

    // Signing out of the browser's single sign-on session: asked first (no ID token hint), then
    // back on the console; the signed-out page has a way on.
    await page.goto(`${setup.server.issuer}/dev`);
    await page.click('nav.links a:has-text("Sign out")');
    await page.waitForSelector('form[action$="/logout"] button');
    await review(page, 'sign-out-confirm', locale, v);
    await page.click('form[action$="/logout"] button');
    await page.waitForURL(/\/dev$/);
    await page.goto(`${setup.server.issuer}/oauth/v2/oauth-session/logout`);
    expect(await page.locator('nav.links a').getAttribute('href')).toBe('/dev');
    await review(page, 'signed-out', locale, v);

    // An unknown flow and an unknown path: a way on.
    await page.goto(`${setup.server.issuer}/authn/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/pw`);
    expect(await page.locator('nav.links a').getAttribute('href')).toBe('/dev');
    await review(page, 'unknown-flow', locale, v);
    const missing = await page.goto(`${setup.server.issuer}/no-such-page`);
    expect(missing?.status()).toBe(404);
    await review(page, 'not-found', locale, v);
    await page.goto(`${setup.server.issuer}/`);
    await review(page, 'home', locale, v);
    await context.close();
  }, 120_000);
});

describe('passkeys on an IP address (development)', () => {
  it('say why and link to the start page on localhost', async () => {
    const page = await setup.browser.newPage();
    const ip = setup.server.issuer.replace('localhost', '127.0.0.1');
    await page.goto(`${ip}/dev`);
    await page.click('#start');
    await page.click('form[data-kind="select-authenticator"][action$="/passkey"] button');
    await page.waitForSelector('p.notice');
    expect(await page.locator('p.notice').textContent()).toContain('127.0.0.1');
    expect(await page.locator('p.notice a').getAttribute('href')).toBe(
      `${setup.server.issuer}/dev`,
    );
    await page.close();
  }, 60_000);
});
