// WebAuthn in a real browser: Debian's headless Chromium (playwright-core) with CDP virtual
// authenticators (an internal platform authenticator and USB security keys), the HTML pages of
// the WebAuthn authenticator and their @simplewebauthn/browser script, against the Worker in
// workerd with in-memory D1 and Durable Objects.

import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/crypto/secret-hash';
import { ANY_DEVICE, PASSKEYS } from '../support/webauthn-config';
import { useBrowserEnvironment } from './setup';

const CLIENT_ID = 'webauthn-browser-client';
// The client's redirect URI is a page of its own on another port (the set-up's callback).
const setup = useBrowserEnvironment({
  callback: true,
  vars: { AUTHENTICATORS: JSON.stringify([{ id: 'pw', type: 'password' }, PASSKEYS, ANY_DEVICE]) },
  prepare: async ({ db, callback }) => {
    await db
      .prepare(
        `INSERT INTO clients (client_id, client_type, token_endpoint_auth_method, grant_types, scopes, redirect_uris, capabilities, dpop_required)
         VALUES (?, 'public', 'none', '["authorization_code"]', 'openid', ?, '{"code":true}', 0)`,
      )
      .bind(CLIENT_ID, JSON.stringify([callback.url]))
      .run();
  },
});

type Kind = 'internal' | 'usb' | 'usb-without-uv';

function authenticatorOptions(kind: Kind) {
  return {
    protocol: 'ctap2',
    transport: kind === 'internal' ? 'internal' : 'usb',
    hasResidentKey: true,
    hasUserVerification: kind !== 'usb-without-uv',
    isUserVerified: kind !== 'usb-without-uv',
    automaticPresenceSimulation: true,
  };
}

interface Browsing {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  /** Virtual authenticator ids by kind. */
  ids: Partial<Record<Kind, string>>;
}

/** A fresh browser profile (no cookies) with the given virtual authenticators. */
async function browsing(kinds: Kind[], userAgent?: string): Promise<Browsing> {
  const context = await setup.browser.newContext(userAgent ? { userAgent } : {});
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const profile: Browsing = { context, page, cdp, ids: {} };
  for (const kind of kinds) await addAuthenticator(profile, kind);
  return profile;
}

async function addAuthenticator(profile: Browsing, kind: Kind): Promise<void> {
  const { authenticatorId } = await profile.cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: authenticatorOptions(kind) as never,
  });
  profile.ids[kind] = authenticatorId;
}

/** Moves a security key to another profile (the same physical key, used in another browser). */
async function moveKey(from: Browsing, to: Browsing): Promise<void> {
  const { credentials } = await from.cdp.send('WebAuthn.getCredentials', {
    authenticatorId: from.ids.usb as string,
  });
  for (const credential of credentials) {
    await to.cdp.send('WebAuthn.addCredential', {
      authenticatorId: to.ids.usb as string,
      credential,
    });
  }
}

async function newAccount(): Promise<{ username: string; subject: string }> {
  const username = `browser-${crypto.randomUUID().slice(0, 8)}`;
  const subject = crypto.randomUUID();
  await setup.db
    .prepare('INSERT INTO accounts (subject, username, password_hash) VALUES (?, ?, ?)')
    .bind(subject, username, await hashPassword('Password1'))
    .run();
  return { username, subject };
}

async function deviceTypes(subject: string): Promise<string[]> {
  const { results } = await setup.db
    .prepare('SELECT device_type FROM webauthn_devices WHERE subject = ? ORDER BY created_at')
    .bind(subject)
    .all<{ device_type: string }>();
  return results.map((r) => r.device_type);
}

/**
 * Opens the authorization request and picks `authenticator` in the selector. Each asks for a new
 * login (`prompt=login`): the browser's single sign-on session would otherwise complete it.
 */
async function startLogin(page: Page, authenticator = 'webauthn'): Promise<void> {
  const authorize = new URL('/oauth/v2/oauth-authorize', setup.server.issuer);
  authorize.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: setup.callback.url,
    scope: 'openid',
    prompt: 'login',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  await page.goto(authorize.href);
  await page.click(`form[data-kind="select-authenticator"][action$="/${authenticator}"] button`);
  await page.waitForSelector('form[data-kind="login"]');
}

async function identify(page: Page, username: string): Promise<void> {
  await page.fill('input[name="userName"]', username);
  await page.click('form[data-kind="login"] button');
}

async function landed(page: Page): Promise<URL> {
  await page.waitForURL((url) => url.href.startsWith(setup.callback.url), { timeout: 20_000 });
  const url = new URL(page.url());
  expect(url.searchParams.get('code')).toMatch(/.+/);
  return url;
}

/** The register link → password (the prerequisite) → the registration page. */
async function toRegistration(page: Page, username: string, authenticator = 'webauthn') {
  await startLogin(page, authenticator);
  await page.click('a[href$="/register"]');
  await page.waitForSelector('input[name="password"]');
  expect(await page.locator('p.info').textContent()).toBe(
    'Sign in with your password first to register a device',
  );
  await page.fill('input[name="userName"]', username);
  await page.fill('input[name="password"]', 'Password1');
  await page.click('form[data-kind="login"] button');
  // A single choice starts by itself (and may be done before this returns).
}

describe('WebAuthn in Chromium (virtual authenticators)', () => {
  it('registers a built-in device after the password login, then signs in with it, with and without a username', async () => {
    const account = await newAccount();
    const { context, page } = await browsing(['internal']);
    // Chromium starts the only ceremony by itself (Safari would wait for the button).
    await toRegistration(page, account.username);
    await landed(page);
    expect(await deviceTypes(account.subject)).toEqual(['platform']);
    // Username first: the ceremony with the account's devices starts by itself.
    await startLogin(page);
    await identify(page, account.username);
    await landed(page);
    // Username-less: the passkey button, a discoverable credential.
    await startLogin(page);
    expect(await page.locator('section.webauthn').getAttribute('data-autostart')).toBe('false');
    await page.click('section.webauthn button[data-field="credential"]');
    await landed(page);
    const row = await setup.db
      .prepare('SELECT counter, last_used_at FROM webauthn_devices WHERE subject = ?')
      .bind(account.subject)
      .first<{ counter: number; last_used_at: number | null }>();
    expect(row?.last_used_at).toBeTypeOf('number');
    await context.close();
  }, 90_000);

  async function keyLogin(page: Page, username: string): Promise<'asked' | 'signed-in' | null> {
    await startLogin(page);
    await identify(page, username);
    const options = { timeout: 20_000 };
    const signedIn = page
      .waitForURL((url) => url.href.startsWith(setup.callback.url), options)
      .then(
        () => 'signed-in' as const,
        () => null,
      );
    const asked = page.waitForSelector('form[data-kind="not-now"]', options).then(
      () => 'asked' as const,
      () => null,
    );
    return Promise.race([signedIn, asked]);
  }

  it('a security-key login asks to register a built-in device; each answer is honoured', async () => {
    const account = await newAccount();
    const first = await browsing(['usb']);
    await toRegistration(first.page, account.username);
    await landed(first.page);
    expect(await deviceTypes(account.subject)).toEqual(['cross-platform']);
    // "No, not now": signed in, and asked again next time.
    expect(await keyLogin(first.page, account.username)).toBe('asked');
    expect(await first.page.locator('h1').textContent()).toBe('Sign in faster next time?');
    await first.page.click('form[data-kind="not-now"] button');
    await landed(first.page);
    expect(await keyLogin(first.page, account.username)).toBe('asked');
    // "Don't ask me again for this browser": a cookie, so not in this browser any more...
    await first.page.click('form[data-kind="dont-ask-browser"] button');
    await landed(first.page);
    expect(await keyLogin(first.page, account.username)).toBe('signed-in');
    // ...but in another browser, with the same key, it is asked again.
    const second = await browsing(['usb']);
    await moveKey(first, second);
    expect(await keyLogin(second.page, account.username)).toBe('asked');
    // "Don't ask me again": kept on the account, for every setup.browser.
    await second.page.click('form[data-kind="dont-ask"] button');
    await landed(second.page);
    const third = await browsing(['usb']);
    await moveKey(second, third);
    expect(await keyLogin(third.page, account.username)).toBe('signed-in');
    for (const profile of [first, second, third]) await profile.context.close();
  }, 120_000);

  it('"Register a built-in device" after a security-key login registers a platform device', async () => {
    const account = await newAccount();
    const profile = await browsing(['usb']);
    await toRegistration(profile.page, account.username);
    await landed(profile.page);
    expect(await keyLogin(profile.page, account.username)).toBe('asked');
    await addAuthenticator(profile, 'internal');
    await profile.page.click('form[data-kind="device-register"] button');
    // One choice (built-in only): it starts by itself.
    await landed(profile.page);
    expect(await deviceTypes(account.subject)).toEqual(['cross-platform', 'platform']);
    // The built-in device set the platform-device cookie: no more prompt in this setup.browser.
    expect(await keyLogin(profile.page, account.username)).toBe('signed-in');
    await profile.context.close();
  }, 90_000);

  it('any-device mode: the user picks "Built-in device" or "Security key"', async () => {
    for (const [button, type] of [
      ['Security key', 'cross-platform'],
      ['Built-in device', 'platform'],
    ] as const) {
      const account = await newAccount();
      const profile = await browsing(['internal', 'usb']);
      await toRegistration(profile.page, account.username, 'keys');
      await profile.page.waitForSelector(
        'section.webauthn[data-operation="webauthn-registration"]',
      );
      const section = profile.page.locator('section.webauthn');
      expect(await section.getAttribute('data-autostart')).toBe('false');
      expect(await section.locator('button').allTextContents()).toEqual([
        'Built-in device',
        'Security key',
      ]);
      await section.locator('button', { hasText: button }).click();
      await landed(profile.page);
      expect(await deviceTypes(account.subject)).toEqual([type]);
      await profile.context.close();
    }
  }, 90_000);

  it('with a Safari user agent the page waits for a button press before the ceremony', async () => {
    const account = await newAccount();
    const safari =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
    const profile = await browsing(['internal'], safari);
    await toRegistration(profile.page, account.username);
    const section = profile.page.locator('section.webauthn');
    await section.waitFor();
    expect(await section.getAttribute('data-autostart')).toBe('false');
    expect(await section.getAttribute('data-state')).toBe('idle');
    expect(await deviceTypes(account.subject)).toEqual([]);
    await section.locator('button').click();
    await landed(profile.page);
    expect(await deviceTypes(account.subject)).toEqual(['platform']);
    await profile.context.close();
  }, 60_000);

  it('passkeys mode refuses an authenticator without user verification, and stores nothing', async () => {
    const account = await newAccount();
    const profile = await browsing(['usb-without-uv']);
    await toRegistration(profile.page, account.username);
    // Either the browser refuses to use it (user verification is required) or the server refuses
    // the response; the page says so and no device is stored.
    await profile.page.waitForSelector('[role="alert"]:not([hidden])', { timeout: 30_000 });
    expect(profile.page.url().startsWith(setup.callback.url)).toBe(false);
    expect(await deviceTypes(account.subject)).toEqual([]);
    await profile.context.close();
  }, 90_000);
});
