// Browser single sign-on through the Worker: a login in one client's pages starts a session
// (cookie + its own object); a second client's authorization request in the same browser gets a
// code without a prompt, with the first login's auth_time; prompt=none, prompt=login, max_age
// and acr_values decide when the session may stand in; RP-initiated logout ends it.
import { createExecutionContext, env } from 'cloudflare:test';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { type SsoSession, sessionRefusal } from '../../src/sessions/sso';
import type { Account } from '../../src/storage/accounts';
import { authorizeInBrowser, Browser, logInOnPage } from '../support/browser';
import { createTestClient } from '../support/clients';
import { dpopKey, dpopProof } from '../support/dpop';
import { ISSUER, post, type TokenBody } from '../support/worker';

const WEB = { id: 'haapi-web-client', redirect: 'http://localhost:5173/callback' };
const OTHER_REDIRECT = 'https://other.example/cb';
const AFTER_LOGOUT = 'https://other.example/signed-out';
let other: string;

beforeAll(async () => {
  other = (
    await createTestClient({
      clientType: 'public',
      authMethod: 'none',
      grantTypes: ['authorization_code'],
      scopes: 'openid profile',
      redirectUris: [OTHER_REDIRECT],
    })
  ).clientId;
  await env.DB.prepare('UPDATE clients SET post_logout_redirect_uris = ? WHERE client_id = ?')
    .bind(JSON.stringify([AFTER_LOGOUT]), other)
    .run();
});

/** The suite's authorization request for `client`, state `st`. */
function authorize(
  browser: Browser,
  client: { id: string; redirect: string },
  extra: Record<string, string> = {},
) {
  return authorizeInBrowser(browser, client, { state: 'st', ...extra });
}

async function redeemOther(landing: URL, verifier: string): Promise<TokenBody> {
  const res = await post('/oauth/v2/oauth-token', {
    grant_type: 'authorization_code',
    client_id: other,
    code: landing.searchParams.get('code') as string,
    redirect_uri: OTHER_REDIRECT,
    code_verifier: verifier,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as TokenBody;
}

/** A browser signed in through the web client's pages. */
async function signedIn(): Promise<{ browser: Browser; idToken: string }> {
  const browser = new Browser();
  const { verifier, location } = await authorize(browser, WEB);
  const landing = await logInOnPage(browser, location);
  expect(browser.cookies.has('haapi_sso')).toBe(true);
  const tokens = await post(
    '/oauth/v2/oauth-token',
    {
      grant_type: 'authorization_code',
      client_id: WEB.id,
      code: landing.searchParams.get('code') as string,
      redirect_uri: WEB.redirect,
      code_verifier: verifier,
    },
    { DPoP: await dpopProof(await dpopKey(), { htu: `${ISSUER}/oauth/v2/oauth-token` }) },
  );
  expect(tokens.status).toBe(200);
  return { browser, idToken: ((await tokens.json()) as TokenBody).id_token as string };
}

const OTHER = () => ({ id: other, redirect: OTHER_REDIRECT });

const ADMIN_TOKEN = 'an-admin-token-that-is-long-enough-for-the-setting';
async function endSessions(username: string): Promise<Response> {
  return await worker.fetch(
    new Request(`${ISSUER}/admin/accounts/${username}/end-sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    }) as unknown as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ADMIN_TOKEN } as Env,
    createExecutionContext(),
  );
}

describe('Browser single sign-on', () => {
  it('a second client in the same browser gets a code without a prompt, with the first auth_time', async () => {
    const { browser, idToken } = await signedIn();
    const first = decodeJwt(idToken);
    const { verifier, location } = await authorize(browser, OTHER());
    expect(`${location.origin}${location.pathname}`).toBe(OTHER_REDIRECT);
    expect(location.searchParams.get('state')).toBe('st');
    const second = decodeJwt((await redeemOther(location, verifier)).id_token as string);
    expect(second).toMatchObject({ sub: 'demo', aud: other, auth_time: first.auth_time });
    expect(second.amr).toEqual(['pwd']);
  });

  it('prompt=none: a code with a session, login_required without one', async () => {
    const { browser } = await signedIn();
    const withSession = await authorize(browser, OTHER(), { prompt: 'none' });
    expect(withSession.location.searchParams.get('code')).toBeTruthy();
    const fresh = await authorize(new Browser('198.51.100.8'), OTHER(), { prompt: 'none' });
    expect(`${fresh.location.origin}${fresh.location.pathname}`).toBe(OTHER_REDIRECT);
    expect(fresh.location.searchParams.get('error')).toBe('login_required');
    expect(fresh.location.searchParams.get('state')).toBe('st');
  });

  it('prompt=login and max_age=0 ask for a login again, acr_values naming the session’s acr do not; a new login renews the session', async () => {
    const { browser } = await signedIn();
    const session = browser.cookies.get('haapi_sso');
    const asks: Record<string, string>[] = [
      { prompt: 'login' },
      { max_age: '0' },
      { acr_values: 'urn:example:acr:unknown urn:se:curity:authentication:html-form:htmlform' },
    ];
    for (const extra of asks) {
      const { location } = await authorize(browser, OTHER(), extra);
      if ('acr_values' in extra) {
        // The session's acr is one the request names: it stands in.
        expect(location.searchParams.get('code')).toBeTruthy();
        continue;
      }
      expect(location.pathname).toMatch(/^\/authn\//);
    }
    const { location } = await authorize(browser, OTHER(), { max_age: '3600' });
    expect(location.searchParams.get('code')).toBeTruthy();
    const again = await authorize(browser, OTHER(), { prompt: 'login' });
    await logInOnPage(browser, again.location);
    expect(browser.cookies.get('haapi_sso')).not.toBe(session);
    const { location: old } = await authorize(
      Object.assign(new Browser(), { cookies: new Map([['haapi_sso', session as string]]) }),
      OTHER(),
      { prompt: 'none' },
    );
    expect(old.searchParams.get('error')).toBe('login_required');
  });

  it('rejects a malformed max_age', async () => {
    const { location } = await authorize(new Browser(), OTHER(), { max_age: 'soon' });
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('RP-initiated logout with id_token_hint ends the session and goes to the registered URI', async () => {
    const { browser } = await signedIn();
    const { verifier, location } = await authorize(browser, OTHER());
    const idToken = (await redeemOther(location, verifier)).id_token as string;
    const discovery = (await (
      await browser.go('/.well-known/openid-configuration')
    ).json()) as Record<string, unknown>;
    const logout = new URL(discovery.end_session_endpoint as string);
    logout.search = new URLSearchParams({
      id_token_hint: idToken,
      post_logout_redirect_uri: AFTER_LOGOUT,
      state: 'bye',
    }).toString();
    const res = await browser.go(logout.href);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${AFTER_LOGOUT}?state=bye`);
    expect(browser.cookies.has('haapi_sso')).toBe(false);
    const after = await authorize(browser, OTHER(), { prompt: 'none' });
    expect(after.location.searchParams.get('error')).toBe('login_required');
  });

  it('without a hint the user confirms first; bad hints and unregistered URIs are shown, not followed', async () => {
    const { browser, idToken } = await signedIn();
    const endpoint = '/oauth/v2/oauth-session/logout';
    const unregistered = await browser.go(
      `${endpoint}?client_id=${other}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`,
      { headers: { Accept: 'text/html' } },
    );
    expect(unregistered.status).toBe(400);
    expect(await unregistered.text()).toContain('not registered');
    const forged = await browser.go(`${endpoint}?id_token_hint=${idToken.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(400);
    // A hint of another client is fine, but its client must have registered the URI.
    const mismatch = await browser.go(
      `${endpoint}?id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent(AFTER_LOGOUT)}`,
    );
    expect(mismatch.status).toBe(400);
    expect(browser.cookies.has('haapi_sso')).toBe(true);

    const ask = await browser.go(
      `${endpoint}?client_id=${other}&post_logout_redirect_uri=${encodeURIComponent(AFTER_LOGOUT)}&state=s2`,
    );
    expect(ask.status).toBe(200);
    const html = await ask.text();
    expect(ask.headers.get('Content-Security-Policy')).toContain('form-action');
    expect(html).toContain('Do you want to sign out');
    expect(browser.cookies.has('haapi_sso')).toBe(true);
    const fields = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
        m[1] as string,
        (m[2] as string).replace(/&amp;/g, '&'),
      ]),
    );
    expect(Object.keys(fields).sort()).toEqual([
      'client_id',
      'confirm',
      'post_logout_redirect_uri',
      'state',
    ]);
    const wrong = await browser.postForm(endpoint, { ...fields, confirm: 'forged' });
    expect(wrong.status).toBe(200);
    expect(browser.cookies.has('haapi_sso')).toBe(true);
    const done = await browser.postForm(endpoint, fields);
    expect(done.status).toBe(303);
    expect(done.headers.get('Location')).toBe(`${AFTER_LOGOUT}?state=s2`);
    expect(browser.cookies.has('haapi_sso')).toBe(false);
  });

  it('an operator ending the account’s sessions (or a new password) stops their reuse', async () => {
    const { browser } = await signedIn();
    expect((await endSessions('demo')).status).toBe(204);
    const { location } = await authorize(browser, OTHER(), { prompt: 'none' });
    expect(location.searchParams.get('error')).toBe('login_required');
    expect((await endSessions('nobody-here')).status).toBe(404);
  });

  it('the discovery document names the end-session endpoint and the supported ACRs', async () => {
    const discovery = (await (
      await new Browser().go('/.well-known/openid-configuration')
    ).json()) as Record<string, unknown>;
    expect(discovery.end_session_endpoint).toBe(`${ISSUER}/oauth/v2/oauth-session/logout`);
    expect(discovery.acr_values_supported).toEqual([
      'urn:se:curity:authentication:html-form:htmlform',
    ]);
    expect(discovery.prompt_values_supported).toEqual(['none', 'login']);
  });
});

// When a session may stand in for a login (sessions/sso.ts:sessionRefusal), case by case.
const NOW = 1_800_000_000;
const session: SsoSession = {
  subject: 's',
  authTime: NOW - 600,
  acr: 'urn:se:curity:authentication:html-form:htmlform',
  amr: ['pwd'],
  createdAt: NOW - 600,
};
const account: Account = {
  subject: 's',
  username: 'u',
  passwordHash: null,
  attributes: {},
  disabled: false,
  lockedUntil: null,
  failedLogins: 0,
  sessionsValidAfter: null,
};
const ask = { prompt: [] as string[], acrValues: [] as string[] };

describe('sessionRefusal', () => {
  it('lets a session stand in when nothing in the request or the account says otherwise', () => {
    expect(sessionRefusal(session, account, ask, NOW)).toBeNull();
    expect(sessionRefusal(session, account, { ...ask, maxAge: 600 }, NOW)).toBeNull();
    expect(
      sessionRefusal(session, account, { ...ask, acrValues: ['x', session.acr] }, NOW),
    ).toBeNull();
  });

  it('refuses for prompt=login, an exceeded or zero max_age, and acr_values without its acr', () => {
    expect(sessionRefusal(session, account, { ...ask, prompt: ['login'] }, NOW)).toBe(
      'prompt_login',
    );
    expect(sessionRefusal(session, account, { ...ask, maxAge: 599 }, NOW)).toBe('max_age');
    expect(sessionRefusal({ ...session, authTime: NOW }, account, { ...ask, maxAge: 0 }, NOW)).toBe(
      'max_age',
    );
    expect(
      sessionRefusal(
        session,
        account,
        { ...ask, acrValues: ['urn:se:curity:authentication:webauthn:webauthn'] },
        NOW,
      ),
    ).toBe('acr');
  });

  it('refuses for a missing or disabled account, and for sessions ended at or after their start', () => {
    expect(sessionRefusal(session, null, ask, NOW)).toBe('account');
    expect(sessionRefusal(session, { ...account, disabled: true }, ask, NOW)).toBe('account');
    const ended = { ...account, sessionsValidAfter: session.createdAt };
    expect(sessionRefusal(session, ended, ask, NOW)).toBe('account');
    const before = { ...account, sessionsValidAfter: session.createdAt - 1 };
    expect(sessionRefusal(session, before, ask, NOW)).toBeNull();
  });
});
