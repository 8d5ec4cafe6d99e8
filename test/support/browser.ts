/**
 * A browser for HTML flows through the Worker (no Chromium): a cookie jar that keeps what the
 * Worker sets (and drops what it deletes), manual redirects, one client IP.
 */
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { sha256Base64Url } from '../../src/crypto/digest';
import { randomToken } from '../../src/crypto/random';
import { ISSUER } from './worker';

const fetchWorker = (request: Request) =>
  exports.default.fetch(request as unknown as Request<unknown, IncomingRequestCfProperties>);

export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly ip = '198.51.100.7') {}

  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size)
      headers.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    headers.set('CF-Connecting-IP', this.ip);
    const res = await fetchWorker(
      new Request(new URL(url, ISSUER), { ...init, headers, redirect: 'manual' }),
    );
    const set = (res.headers as unknown as { getSetCookie(): string[] }).getSetCookie();
    for (const cookie of set) {
      const [pair, ...attributes] = cookie.split(';');
      const at = (pair as string).indexOf('=');
      const name = (pair as string).slice(0, at);
      const gone = attributes.some((a: string) => /^\s*max-age=0$/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, (pair as string).slice(at + 1));
    }
    return res;
  }

  postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.go(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/** The step form `kind` of a page: its action and CSRF token. */
export function formOf(html: string, kind: string): { action: string; csrf: string } {
  const match = new RegExp(
    `<form method="post" action="([^"]+)" data-kind="${kind}"><input type="hidden" name="_csrf" value="([^"]+)"`,
  ).exec(html);
  expect(match, `a ${kind} form in ${html}`).not.toBeNull();
  return {
    action: (match as RegExpExecArray)[1] as string,
    csrf: (match as RegExpExecArray)[2] as string,
  };
}

/** Logs in as `demo` on the password step `location` leads to; returns where the browser lands. */
export async function logInOnPage(browser: Browser, location: URL): Promise<URL> {
  expect(location.pathname).toMatch(/^\/authn\/[\w-]{35}\/pw$/);
  const login = formOf(await (await browser.go(location.href)).text(), 'login');
  const after = await browser.postForm(login.action, {
    _csrf: login.csrf,
    userName: 'demo',
    password: 'Password1',
  });
  const done = await browser.go(after.headers.get('Location') as string);
  expect(done.status).toBe(303);
  return new URL(done.headers.get('Location') as string);
}

/**
 * A code-flow authorization request with PKCE (scope `openid profile`, `params` added) opened in
 * `browser`: the verifier, and where the 303 answer sends the browser.
 */
export async function authorizeInBrowser(
  browser: Browser,
  client: { readonly id: string; readonly redirect: string },
  params: Record<string, string> = {},
): Promise<{ verifier: string; location: URL }> {
  const verifier = randomToken(32);
  const url = new URL('/oauth/v2/oauth-authorize', ISSUER);
  url.search = new URLSearchParams({
    client_id: client.id,
    response_type: 'code',
    redirect_uri: client.redirect,
    scope: 'openid profile',
    code_challenge: await sha256Base64Url(verifier),
    code_challenge_method: 'S256',
    ...params,
  }).toString();
  const res = await browser.go(url.href);
  expect(res.status).toBe(303);
  return { verifier, location: new URL(res.headers.get('Location') as string, ISSUER) };
}
