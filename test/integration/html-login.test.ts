// The same login as HTML (no Accept: application/vnd.auth+json): server-rendered steps, a
// per-flow cookie and CSRF token, a strict CSP, English and Swedish messages.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { sha256Base64Url } from '../../src/crypto/digest';
import { randomToken } from '../../src/crypto/random';
import { authorizeInBrowser, Browser, formOf } from '../support/browser';
import { dpopKey, dpopProof } from '../support/dpop';
import { ISSUER, post, type TokenBody } from '../support/worker';

const REDIRECT = 'http://localhost:5173/callback';

async function start(browser: Browser, extra: Record<string, string> = {}) {
  const { verifier, location } = await authorizeInBrowser(
    browser,
    { id: 'haapi-web-client', redirect: REDIRECT },
    { state: 'html-state', ...extra },
  );
  const step = `${location.pathname}${location.search}`;
  expect(step).toMatch(/^\/authn\/[\w-]{35}\/pw$/);
  return { verifier, step };
}

describe('HTML login (one step logic, two renderings)', () => {
  it('log in through the pages, land on the redirect URI with a code that redeems', async () => {
    const browser = new Browser();
    const { verifier, step } = await start(browser);
    expect([...browser.cookies.keys()]).toEqual(['haapi_flow']);
    const page = await browser.go(step);
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Type')).toMatch(/^text\/html/);
    const csp = page.headers.get('Content-Security-Policy') as string;
    expect(csp).toMatch(/default-src 'none'; style-src 'self' 'nonce-[\w-]+'; img-src 'self'/);
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('<h1>Sign in</h1>');
    const login = formOf(html, 'login');
    const after = await browser.postForm(login.action, {
      _csrf: login.csrf,
      userName: 'demo',
      password: 'Password1',
    });
    expect(after.status).toBe(303);
    const done = await browser.go(after.headers.get('Location') as string);
    expect(done.status).toBe(303);
    const landing = new URL(done.headers.get('Location') as string);
    expect(`${landing.origin}${landing.pathname}`).toBe(REDIRECT);
    expect(landing.searchParams.get('state')).toBe('html-state');
    expect(landing.searchParams.get('iss')).toBe(ISSUER);
    const exchange = {
      grant_type: 'authorization_code',
      client_id: 'haapi-web-client',
      code: landing.searchParams.get('code') as string,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    };
    // The demo web client is a DPoP-bound single-page app (dpop_required): PKCE alone does not
    // redeem its code, and the refusal does not use the code up.
    const withoutDpop = await post('/oauth/v2/oauth-token', exchange);
    expect(withoutDpop.status).toBe(400);
    const tokens = await post('/oauth/v2/oauth-token', exchange, {
      DPoP: await dpopProof(await dpopKey(), { htu: `${ISSUER}/oauth/v2/oauth-token` }),
    });
    expect(tokens.status).toBe(200);
    const body = (await tokens.json()) as TokenBody;
    // A browser proves nothing of the app: every token of a user login says so (`cal: none`).
    expect(decodeJwt(body.access_token)).toMatchObject({ sub: 'demo', amr: ['pwd'], cal: 'none' });
    expect(decodeJwt(body.id_token as string)).toMatchObject({ cal: 'none' });
  });

  it('the set-up cookie is Secure, HttpOnly and SameSite=Lax', async () => {
    const verifier = randomToken(32);
    const res = await new Browser().go(
      `${ISSUER}/oauth/v2/oauth-authorize?client_id=haapi-web-client&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&code_challenge=${await sha256Base64Url(verifier)}&code_challenge_method=S256`,
    );
    const cookie = res.headers.get('Set-Cookie') as string;
    expect(cookie).toMatch(/^haapi_flow=[\w-]+\.[\w-]+;/);
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
  });

  it('a wrong password re-renders the step with the error (400)', async () => {
    const browser = new Browser();
    const { step } = await start(browser);
    const login = formOf(await (await browser.go(step)).text(), 'login');
    const res = await browser.postForm(login.action, {
      _csrf: login.csrf,
      userName: 'demo',
      password: 'wrong',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('role="alert"><p>Incorrect username or password</p>');
  });

  it('a post without the CSRF token, or without the cookie, is refused', async () => {
    const browser = new Browser();
    const { step } = await start(browser);
    const login = formOf(await (await browser.go(step)).text(), 'login');
    expect(
      (await browser.postForm(login.action, { userName: 'demo', password: 'Password1' })).status,
    ).toBe(403);
    expect(
      (
        await browser.postForm(login.action, {
          _csrf: 'forged',
          userName: 'demo',
          password: 'Password1',
        })
      ).status,
    ).toBe(403);
    const stranger = new Browser();
    expect(
      (
        await stranger.postForm(login.action, {
          _csrf: login.csrf,
          userName: 'demo',
          password: 'Password1',
        })
      ).status,
    ).toBe(400);
  });

  it('speaks Swedish when asked (ui_locales)', async () => {
    const browser = new Browser();
    const { step } = await start(browser, { ui_locales: 'sv' });
    const html = await (await browser.go(step)).text();
    expect(html).toContain('<h1>Logga in</h1>');
    expect(html).toContain('lang="sv"');
  });

  it('a HAAPI call on a browser flow is refused', async () => {
    const browser = new Browser();
    const { step } = await start(browser);
    const res = await browser.go(step, { headers: { Accept: 'application/vnd.auth+json' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { type: string }).type).toBe(
      'https://curity.se/problems/mismatch-between-session-and-access-token',
    );
  });
});
