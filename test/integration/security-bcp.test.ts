// RFC 9700 (OAuth 2.0 Security Best Current Practice) points that have no other home in the suite:
// no implicit grant, no password grant, PKCE with S256 only, exact redirect URI matching (errors
// for an unregistered redirect URI are shown, never redirected), 303 after a form post, CORS only
// for configured origins. SECURITY.md maps every requirement to its test.
import { describe, expect, it } from 'vitest';
import { call, post, type TokenBody } from '../support/worker';

const base = {
  client_id: 'haapi-web-client',
  response_type: 'code',
  redirect_uri: 'http://localhost:5173/callback',
  scope: 'openid',
  state: 'st',
  code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  code_challenge_method: 'S256',
};
const authorize = (params: Record<string, string>) =>
  call(`/oauth/v2/oauth-authorize?${new URLSearchParams({ ...base, ...params })}`, {
    redirect: 'manual',
  });
const redirectedError = (res: Response) =>
  new URL(res.headers.get('Location') as string).searchParams.get('error');

describe('RFC 9700 checks', () => {
  it('§2.1.2: the implicit grant (response_type=token) is not supported', async () => {
    const res = await authorize({ response_type: 'token' });
    expect(res.status).toBe(303);
    expect(redirectedError(res)).toBe('unsupported_response_type');
  });

  it('§2.4: the resource owner password credentials grant is not supported', async () => {
    const res = await post(
      '/oauth/v2/oauth-token',
      { grant_type: 'password', username: 'demo', password: 'Password1' },
      { Authorization: `Basic ${btoa('demo-backend:Password1')}` },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as TokenBody).error).toBe('unsupported_grant_type');
  });

  it('§2.1.1: PKCE is required, with S256 only (no plain, no downgrade)', async () => {
    expect(redirectedError(await authorize({ code_challenge_method: 'plain' }))).toBe(
      'invalid_request',
    );
    const { code_challenge: _, code_challenge_method: __, ...without } = base;
    const res = await call(`/oauth/v2/oauth-authorize?${new URLSearchParams(without)}`, {
      redirect: 'manual',
    });
    expect(redirectedError(res)).toBe('invalid_request');
  });

  it('§2.1, §4.1: redirect URIs match exactly; an unregistered one is shown, never redirected to', async () => {
    for (const redirect_uri of [
      'http://localhost:5173/callback/',
      'http://localhost:5173/callback?x=1',
      'http://localhost:5173/Callback',
      'http://localhost:5173.evil.example/callback',
      'https://localhost:5173/callback',
    ]) {
      const res = await authorize({ redirect_uri });
      expect(res.status, redirect_uri).toBe(400);
      expect(res.headers.get('Location'), redirect_uri).toBeNull();
    }
  });

  it('§4.12: redirects after a form post are 303, never 307', async () => {
    const res = await call('/oauth/v2/oauth-authorize', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(base),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
  });

  it('CORS answers only configured origins', async () => {
    const preflight = (origin: string) =>
      call('/oauth/v2/oauth-token', {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
    const allowed = await preflight('http://localhost:5173');
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:5173');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});
