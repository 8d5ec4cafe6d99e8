import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { basic, createTestClient } from '../support/clients';
import { issueTestCode, redeemCode } from '../support/codes';
import { dpopKey, dpopProof } from '../support/dpop';
import { call, ISSUER, post, type TokenBody } from '../support/worker';

const TOKEN = '/oauth/v2/oauth-token';
const INTROSPECT = '/oauth/v2/oauth-introspect';
const REVOKE = '/oauth/v2/oauth-revoke';
const USERINFO = '/oauth/v2/oauth-userinfo';

async function login(dpop?: Awaited<ReturnType<typeof dpopKey>>) {
  const client = await createTestClient({
    grantTypes: ['authorization_code', 'refresh_token'],
    allowedOrigins: ['https://spa.example'],
  });
  const auth = { Authorization: basic(client.clientId, client.secret) };
  const { code, verifier } = await issueTestCode({
    clientId: client.clientId,
    scope: ['openid', 'profile', 'email'],
  });
  const headers: Record<string, string> = { ...auth };
  if (dpop) headers.DPoP = await dpopProof(dpop, { htu: `${ISSUER}${TOKEN}` });
  const tokens = (await (await redeemCode(code, verifier, headers)).json()) as TokenBody;
  return { client, auth, tokens };
}

describe('Introspection (RFC 7662)', () => {
  it('describes an active access token to its client and to a resource server, to no one else', async () => {
    const { client, auth, tokens } = await login();
    const other = await post(
      INTROSPECT,
      { token: tokens.access_token },
      { Authorization: basic('demo-backend', 'Password1') },
    );
    expect(await other.json()).toEqual({ active: false });
    expect(
      await (await post(INTROSPECT, { token: tokens.access_token }, auth)).json(),
    ).toMatchObject({
      active: true,
    });
    const resourceServer = await createTestClient({ grantTypes: ['client_credentials'] });
    await env.DB.prepare(
      `UPDATE clients SET capabilities = '{"introspection":true}' WHERE client_id = ?`,
    )
      .bind(resourceServer.clientId)
      .run();
    const res = await post(
      INTROSPECT,
      { token: tokens.access_token },
      { Authorization: basic(resourceServer.clientId, resourceServer.secret) },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(await res.json()).toMatchObject({
      active: true,
      client_id: client.clientId,
      sub: 'demo',
      scope: 'openid profile email',
      token_type: 'Bearer',
      iss: ISSUER,
    });
  });

  it('describes a refresh token only to the client it was issued to', async () => {
    const { auth, client, tokens } = await login();
    expect(
      await (
        await post(
          INTROSPECT,
          { token: tokens.refresh_token as string, token_type_hint: 'refresh_token' },
          auth,
        )
      ).json(),
    ).toMatchObject({
      active: true,
      client_id: client.clientId,
      token_type: 'refresh_token',
    });
    expect(
      await (
        await post(
          INTROSPECT,
          { token: tokens.refresh_token as string },
          { Authorization: basic('demo-backend', 'Password1') },
        )
      ).json(),
    ).toEqual({ active: false });
  });

  it('an unknown token is inactive; a public client or no authentication is refused', async () => {
    expect(
      await (
        await post(
          INTROSPECT,
          { token: 'garbage' },
          { Authorization: basic('demo-backend', 'Password1') },
        )
      ).json(),
    ).toEqual({ active: false });
    const anonymous = await post(INTROSPECT, { token: 'garbage' });
    expect(anonymous.status).toBe(400);
    expect(((await anonymous.json()) as { error: string }).error).toBe('invalid_request');
    const res = await post(INTROSPECT, { token: 'garbage', client_id: 'haapi-web-client' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });
});

describe('Revocation (RFC 7009)', () => {
  it('revoking a refresh token revokes its family and its access token', async () => {
    const { auth, tokens } = await login();
    const res = await post(
      REVOKE,
      { token: tokens.refresh_token as string, token_type_hint: 'refresh_token' },
      auth,
    );
    expect(res.status).toBe(200);
    const refresh = await post(
      TOKEN,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string },
      auth,
    );
    expect(((await refresh.json()) as TokenBody).error).toBe('invalid_grant');
    expect(await (await post(INTROSPECT, { token: tokens.access_token }, auth)).json()).toEqual({
      active: false,
    });
  });

  it('revoking an access token makes it inactive and useless at userinfo', async () => {
    const { auth, tokens } = await login();
    expect((await post(REVOKE, { token: tokens.access_token }, auth)).status).toBe(200);
    expect(await (await post(INTROSPECT, { token: tokens.access_token }, auth)).json()).toEqual({
      active: false,
    });
    const userinfo = await call(USERINFO, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(401);
  });

  it('another client cannot revoke the token; an unknown token is still 200', async () => {
    const { auth, tokens } = await login();
    expect(
      (
        await post(
          REVOKE,
          { token: tokens.access_token },
          { Authorization: basic('demo-backend', 'Password1') },
        )
      ).status,
    ).toBe(200);
    expect(
      await (await post(INTROSPECT, { token: tokens.access_token }, auth)).json(),
    ).toMatchObject({ active: true });
    expect((await post(REVOKE, { token: 'unknown' }, auth)).status).toBe(200);
  });
});

describe('Userinfo (OIDC Core §5.3)', () => {
  it('returns the claims the scopes allow, for a Bearer token', async () => {
    const { tokens } = await login();
    const res = await call(USERINFO, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      sub: 'demo',
      name: 'Demo User',
      given_name: 'Demo',
      family_name: 'User',
      email: 'demo@example.com',
      email_verified: true,
    });
  });

  it('a DPoP-bound token needs the DPoP scheme and a proof with ath (RFC 9449 §7)', async () => {
    const key = await dpopKey();
    const { tokens } = await login(key);
    const url = `${ISSUER}${USERINFO}`;
    const asBearer = await call(USERINFO, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('WWW-Authenticate')).toMatch(/^DPoP error="invalid_token"/);
    const noAth = await call(USERINFO, {
      headers: {
        Authorization: `DPoP ${tokens.access_token}`,
        DPoP: await dpopProof(key, { htm: 'GET', htu: url }),
      },
    });
    expect(noAth.status).toBe(401);
    expect(((await noAth.json()) as { error: string }).error).toBe('invalid_dpop_proof');
    const wrongAth = await call(USERINFO, {
      headers: {
        Authorization: `DPoP ${tokens.access_token}`,
        DPoP: await dpopProof(key, { htm: 'GET', htu: url, accessToken: 'other' }),
      },
    });
    expect(wrongAth.status).toBe(401);
    const other = await dpopKey();
    const otherKey = await call(USERINFO, {
      headers: {
        Authorization: `DPoP ${tokens.access_token}`,
        DPoP: await dpopProof(other, { htm: 'GET', htu: url, accessToken: tokens.access_token }),
      },
    });
    expect(otherKey.status).toBe(401);
    const ok = await call(USERINFO, {
      headers: {
        Authorization: `DPoP ${tokens.access_token}`,
        DPoP: await dpopProof(key, { htm: 'GET', htu: url, accessToken: tokens.access_token }),
      },
    });
    expect(ok.status).toBe(200);
  });

  it('a revoked DPoP-bound token is invalid_token, whatever its proof (revocation is checked first)', async () => {
    const key = await dpopKey();
    const { auth, tokens } = await login(key);
    expect((await post(REVOKE, { token: tokens.access_token }, auth)).status).toBe(200);
    const url = `${ISSUER}${USERINFO}`;
    for (const proof of [
      await dpopProof(key, { htm: 'GET', htu: url, accessToken: tokens.access_token }),
      await dpopProof(key, { htm: 'GET', htu: url }), // no ath: a bad proof as well
    ]) {
      const res = await call(USERINFO, {
        headers: { Authorization: `DPoP ${tokens.access_token}`, DPoP: proof },
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: 'invalid_token',
        error_description: 'The access token is invalid or expired',
      });
    }
  });

  it('no token is 401 with a challenge; a token without openid is 403 insufficient_scope', async () => {
    const none = await call(USERINFO);
    expect(none.status).toBe(401);
    expect(none.headers.get('WWW-Authenticate')).toContain('Bearer');
    const cc = (await (
      await post(
        TOKEN,
        { grant_type: 'client_credentials' },
        { Authorization: basic('demo-backend', 'Password1') },
      )
    ).json()) as TokenBody;
    const res = await call(USERINFO, { headers: { Authorization: `Bearer ${cc.access_token}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('insufficient_scope');
  });
});

describe('CORS on the token endpoint', () => {
  it('answers a preflight from a client origin, refuses an unknown one', async () => {
    await login();
    const ok = await call(TOKEN, {
      method: 'OPTIONS',
      headers: { Origin: 'https://spa.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('Access-Control-Allow-Origin')).toBe('https://spa.example');
    expect(ok.headers.get('Access-Control-Allow-Headers')).toContain('DPoP');
    const bad = await call(TOKEN, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(bad.status).toBe(403);
    expect(bad.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it("a response to a client carries only that client's origins", async () => {
    const { auth } = await login();
    const own = await post(
      TOKEN,
      { grant_type: 'client_credentials' },
      { ...auth, Origin: 'https://spa.example' },
    );
    expect(own.headers.get('Access-Control-Allow-Origin')).toBe('https://spa.example');
    expect(own.headers.get('Access-Control-Expose-Headers')).toContain('DPoP-Nonce');
    const backend = await post(
      TOKEN,
      { grant_type: 'client_credentials' },
      { Authorization: basic('demo-backend', 'Password1'), Origin: 'https://spa.example' },
    );
    expect(backend.status).toBe(200);
    expect(backend.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});
