// The pages through the Worker: THEME (colours, logo, stylesheet, inline CSS, each allowed by the
// page's CSP and nothing more), MESSAGES (per locale, in the HAAPI representation and the page
// alike), the client's name, logo and links, authenticator titles in the selector, the default
// stylesheet, and browsers' error pages (bad settings, unknown paths, home) where API clients get
// JSON. Invalid THEME and MESSAGES values are refused with their path.
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors';
import { parseMessageOverrides } from '../../src/haapi/messages/catalog';
import worker from '../../src/index';
import { parseTheme } from '../../src/ui/theme';
import { ISSUER } from '../support/worker';

const HTML = { Accept: 'text/html,application/xhtml+xml' };

async function fetchWith(
  path: string,
  vars: Record<string, string> = {},
  headers: Record<string, string> = HTML,
): Promise<Response> {
  return await worker.fetch(
    new Request(new URL(path, ISSUER), { headers, redirect: 'manual' }) as unknown as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    { ...env, ...vars } as Env,
    createExecutionContext(),
  );
}

/** An HTML authorization for the demo web client; returns the first page (following the 303). */
async function firstPage(vars: Record<string, string>, extra: Record<string, string> = {}) {
  const url = new URL('/oauth/v2/oauth-authorize', ISSUER);
  url.search = new URLSearchParams({
    client_id: 'haapi-web-client',
    response_type: 'code',
    redirect_uri: 'http://localhost:5173/callback',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  const started = await fetchWith(`${url.pathname}${url.search}`, vars);
  expect(started.status).toBe(303);
  const cookie = (started.headers.get('Set-Cookie') ?? '').split(';')[0] as string;
  const page = await fetchWith(started.headers.get('Location') as string, vars, {
    ...HTML,
    Cookie: cookie,
  });
  return {
    page,
    html: await page.text(),
    csp: page.headers.get('Content-Security-Policy') ?? '',
    cookie,
    step: started.headers.get('Location') as string,
  };
}

const TWO = JSON.stringify([
  { id: 'pw', type: 'password', title: { en: 'Company password', sv: 'Företagslösenord' } },
  { id: 'passkey', type: 'webauthn' },
]);

describe('Pages and branding', () => {
  it('THEME: colours, logo, stylesheet and inline CSS, each allowed by the CSP', async () => {
    const theme = JSON.stringify({
      productName: 'Example ID',
      logoUrl: 'https://cdn.example.com/logo.svg',
      colors: { primary: '#0b57d0', background: 'white' },
      stylesheetUrl: 'https://styles.example.net/login.css',
      css: '.card{border-radius:0}',
    });
    const { html, csp } = await firstPage({ THEME: theme });
    expect(html).toContain('<link rel="stylesheet" href="/assets/theme.css"/>');
    expect(html).toContain('<link rel="stylesheet" href="https://styles.example.net/login.css"/>');
    expect(html).toMatch(
      /<style nonce="[\w-]+">:root\{--primary:#0b57d0;--background:white\}\.card\{border-radius:0\}<\/style>/,
    );
    expect(html).toContain(
      '<img src="https://cdn.example.com/logo.svg" alt=""/><span>Example ID</span>',
    );
    expect(html).toContain('<title>Sign in – Example ID</title>');
    expect(csp).toMatch(/style-src 'self' https:\/\/styles\.example\.net 'nonce-[\w-]+';/);
    expect(csp).toContain("img-src 'self' https://cdn.example.com;");
    expect(csp).not.toContain('script-src');
  });

  it('the default stylesheet is served as CSS', async () => {
    const res = await fetchWith('/assets/theme.css');
    expect(res.headers.get('Content-Type')).toBe('text/css; charset=utf-8');
    expect(await res.text()).toContain(':focus-visible{outline:3px solid var(--focus)');
  });

  it('MESSAGES replaces texts per locale, in pages and HAAPI representations alike', async () => {
    const messages = JSON.stringify({
      en: { 'login.heading': 'Welcome back' },
      sv: { 'login.heading': 'Välkommen tillbaka' },
    });
    expect((await firstPage({ MESSAGES: messages })).html).toContain('<h1>Welcome back</h1>');
    const sv = await firstPage({ MESSAGES: messages }, { ui_locales: 'sv' });
    expect(sv.html).toContain('<h1>Välkommen tillbaka</h1>');
    expect(sv.html).toContain('<html lang="sv">');
  });

  it('the selector shows authenticator titles (configured, per locale, or the default)', async () => {
    const en = await firstPage({ AUTHENTICATORS: TWO });
    expect(en.html).toContain('<h1>Choose how to sign in</h1>');
    expect(en.html).toMatch(
      /action="[^"]+\/pw" data-kind="select-authenticator">[\s\S]*?>Company password<\/button>/,
    );
    expect(en.html).toMatch(
      /action="[^"]+\/passkey" data-kind="select-authenticator">[\s\S]*?>Passkey<\/button>/,
    );
    const sv = await firstPage({ AUTHENTICATORS: TWO }, { ui_locales: 'sv' });
    expect(sv.html).toContain('>Företagslösenord</button>');
  });

  it('an authenticator step links the other ways to sign in, and following one switches', async () => {
    const { cookie, step } = await firstPage({ AUTHENTICATORS: TWO });
    const headers = { ...HTML, Cookie: cookie };
    const password = await (await fetchWith(`${step}/pw`, { AUTHENTICATORS: TWO }, headers)).text();
    expect(password).toMatch(
      /<nav class="links alternatives" aria-label="Other ways to sign in">[\s\S]*?<a href="[^"]+\/passkey">Passkey<\/a>/,
    );
    const passkey = await (
      await fetchWith(`${step}/passkey`, { AUTHENTICATORS: TWO }, headers)
    ).text();
    expect(passkey).toContain('<h1>Sign in with a passkey or security key</h1>');
    expect(passkey).toMatch(/<a href="[^"]+\/pw">Company password<\/a>/);
  });

  it("shows the client's name, and its logo, privacy policy and terms when it has them", async () => {
    await env.DB.prepare(
      "UPDATE clients SET logo_uri = 'https://app.example.org/logo.png', policy_uri = 'https://app.example.org/privacy', tos_uri = 'https://app.example.org/terms' WHERE client_id = 'haapi-web-client'",
    ).run();
    try {
      const { html, csp } = await firstPage({ CLIENT_CACHE_TTL: '0' });
      expect(html).toContain(
        '<p class="client">to continue to <strong>HAAPI demo single-page app</strong></p>',
      );
      expect(html).toContain(
        '<img class="client-logo" src="https://app.example.org/logo.png" alt=""/>',
      );
      expect(html).toContain('<a href="https://app.example.org/privacy">Privacy policy</a>');
      expect(html).toContain('<a href="https://app.example.org/terms">Terms of service</a>');
      expect(csp).toContain("img-src 'self' https://app.example.org;");
    } finally {
      await env.DB.prepare(
        "UPDATE clients SET logo_uri = NULL, policy_uri = NULL, tos_uri = NULL WHERE client_id = 'haapi-web-client'",
      ).run();
    }
  });
});

describe('login_hint (OIDC Core §3.1.2.1)', () => {
  it('pre-fills the username of the login form; the cursor goes to the password', async () => {
    const { html } = await firstPage({}, { login_hint: 'alice@example.com' });
    expect(html).toMatch(
      /<input id="f-userName" name="userName" type="text" value="alice@example.com"/,
    );
    expect(html).toMatch(
      /<input id="f-password" name="password" type="password"[^>]* autofocus=""/,
    );
  });

  it('a hint that cannot be a username is ignored', async () => {
    const { html } = await firstPage({}, { login_hint: 'a\u0001b' });
    // The username field has no value (the page's other values, like the CSRF token, are random).
    const username = /<input id="f-userName"[^>]*>/.exec(html)?.[0];
    expect(username).toBeDefined();
    expect(username).not.toContain('value=');
  });
});

describe('Pages where API clients get JSON', () => {
  it('a bad setting: browsers get a page naming it (development), API clients the OAuth error', async () => {
    const page = await fetchWith('/.well-known/openid-configuration', { ACCESS_TOKEN_TTL: '5m' });
    expect(page.status).toBe(500);
    expect(page.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('The sign-in service is not available');
    expect(html).toContain('Setting ACCESS_TOKEN_TTL must be a whole number (got &quot;5m&quot;).');
    const api = await fetchWith(
      '/.well-known/openid-configuration',
      { ACCESS_TOKEN_TTL: '5m' },
      {
        Accept: 'application/json',
      },
    );
    expect(api.status).toBe(500);
    expect(await api.json()).toEqual({
      error: 'server_error',
      error_description: 'The server is misconfigured',
    });
  });

  it('in production the page does not name the setting', async () => {
    const page = await fetchWith('/', {
      ENVIRONMENT: 'production',
      ISSUER: 'https://id.example',
      ACCESS_TOKEN_TTL: '5m',
    });
    expect(page.status).toBe(500);
    expect(await page.text()).not.toContain('ACCESS_TOKEN_TTL');
  });

  it('an unknown path: a page with a way on for browsers, problem+json for the rest', async () => {
    const page = await fetchWith('/no-such-page');
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('<a href="/dev">Start again</a>');
    const api = await fetchWith('/no-such-page', {}, { Accept: 'application/json' });
    expect(api.status).toBe(404);
    expect(api.headers.get('Content-Type')).toBe('application/problem+json');
  });

  it('the home page in a browser; the development console only in development', async () => {
    const home = await fetchWith('/');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<h1>Sign-in service</h1>');
    expect((await fetchWith('/dev')).status).toBe(200);
    const production = {
      ENVIRONMENT: 'production',
      ISSUER: 'https://id.example',
      ATTESTATION: '{}',
      WEBAUTHN: '{}',
    };
    expect((await fetchWith('/dev', production)).status).toBe(404);
  });

  it("the console's Sign out ends the session and comes back to it; the signed-out page has a way on", async () => {
    const start = await (await fetchWith('/dev')).text();
    const href = /<a href="([^"]*oauth-session\/logout[^"]*)">Sign out<\/a>/.exec(start)?.[1];
    expect(href).toBeDefined();
    // No session in this browser: nothing to confirm, straight back to the console.
    const back = await fetchWith((href as string).replace(/&amp;/g, '&'));
    expect(back.status).toBe(303);
    expect(back.headers.get('Location')).toBe(`${ISSUER}/dev`);
    const done = await fetchWith('/oauth/v2/oauth-session/logout');
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('<a href="/dev">Start again</a>');
  });
});

describe('THEME and MESSAGES are checked', () => {
  it.each([
    ['{"logo":"x"}', 'THEME.logo is not a theme key'],
    ['{"colors":{"primary":"red;background:url(x)"}}', 'THEME.colors.primary must be #rgb'],
    ['{"colors":{"accent":"#fff"}}', 'THEME.colors.accent is not a colour'],
    ['{"css":"</style><script>"}', 'THEME.css must be CSS text'],
    ['{"logoUrl":"javascript:alert(1)"}', 'THEME.logoUrl must be an https URL'],
  ])('THEME %s', (raw, message) => {
    expect(() => parseTheme(raw, 'THEME')).toThrow(ConfigError);
    expect(() => parseTheme(raw, 'THEME')).toThrow(message);
  });

  it.each([
    ['{"de":{}}', 'MESSAGES.de is not a locale'],
    ['{"en":{"login.headline":"x"}}', 'MESSAGES.en.login.headline is not a message key'],
    ['{"en":{"login.heading":""}}', 'MESSAGES.en.login.heading must be a text'],
  ])('MESSAGES %s', (raw, message) => {
    expect(() => parseMessageOverrides(raw, 'MESSAGES')).toThrow(message);
  });
});
