// A real browser (Debian's headless Chromium, driven by playwright-core) logs in through the HTML
// pages and lands on the client's redirect URI with a code that redeems at the token endpoint.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { useBrowserEnvironment } from './setup';

const CLIENT_ID = 'browser-test-client';
const setup = useBrowserEnvironment({
  callback: true,
  prepare: async ({ db, callback }) => {
    await db
      .prepare(
        `INSERT INTO clients (client_id, client_type, token_endpoint_auth_method, grant_types, scopes, redirect_uris, capabilities, dpop_required)
         VALUES (?, 'public', 'none', '["authorization_code"]', 'openid profile', ?, '{"code":true}', 1)`,
      )
      .bind(CLIENT_ID, JSON.stringify([callback.url]))
      .run();
  },
});

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)),
  );
  return Buffer.from(digest).toString('base64url');
}

async function redeem(code: string, verifier: string): Promise<Response> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const tokenUrl = `${setup.server.issuer}/oauth/v2/oauth-token`;
  let nonce: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const proof = await new SignJWT({
      htm: 'POST',
      htu: tokenUrl,
      jti: crypto.randomUUID(),
      iat: Math.floor(Date.now() / 1000),
      ...(nonce ? { nonce } : {}),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
      .sign(privateKey);
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', DPoP: proof },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: CLIENT_ID,
        code,
        redirect_uri: setup.callback.url,
        code_verifier: verifier,
      }),
    });
    nonce = res.headers.get('DPoP-Nonce') ?? undefined;
    if (res.status === 400 && nonce && attempt === 0) continue;
    return res;
  }
  throw new Error('unreachable');
}

describe('Browser login (headless Chromium)', () => {
  it('signs in through the HTML pages and lands on the redirect URI with a code that redeems', async () => {
    const context = await setup.browser.newContext();
    const page = await context.newPage();
    const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
    const authorize = new URL('/oauth/v2/oauth-authorize', setup.server.issuer);
    authorize.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: setup.callback.url,
      scope: 'openid profile',
      state: 'browser-state',
      code_challenge: await s256(verifier),
      code_challenge_method: 'S256',
    }).toString();
    await page.goto(authorize.href);
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    await page.fill('input[name="userName"]', 'demo');
    await page.fill('input[name="password"]', 'Password1');
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(setup.callback.url)),
      page.click('form[data-kind="login"] button'),
    ]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe('browser-state');
    expect(landed.searchParams.get('iss')).toBe(setup.server.issuer);
    const res = await redeem(landed.searchParams.get('code') as string, verifier);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      access_token: string;
      id_token: string;
      token_type: string;
    };
    expect(body.token_type).toBe('DPoP');
    expect(
      JSON.parse(Buffer.from(body.access_token.split('.')[1] as string, 'base64url').toString()),
    ).toMatchObject({ sub: 'demo', amr: ['pwd'] });
    await context.close();
  }, 120_000);

  it('shows the error on the page after a wrong password', async () => {
    const context = await setup.browser.newContext();
    const page = await context.newPage();
    const authorize = new URL('/oauth/v2/oauth-authorize', setup.server.issuer);
    authorize.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: setup.callback.url,
      code_challenge: await s256('x'.repeat(43)),
      code_challenge_method: 'S256',
    }).toString();
    await page.goto(authorize.href);
    await page.fill('input[name="userName"]', 'demo');
    await page.fill('input[name="password"]', 'wrong-password');
    await page.click('form[data-kind="login"] button');
    await page.waitForSelector('[role="alert"]');
    expect(await page.locator('[role="alert"]').textContent()).toBe(
      'Incorrect username or password',
    );
    await context.close();
  }, 120_000);
});
