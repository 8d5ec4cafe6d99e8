import { env, runInDurableObject } from 'cloudflare:test';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { atHash } from '../../src/tokens/id-token';
import { verifyCodeVerifier } from '../../src/tokens/pkce';
import { basic, createTestClient } from '../support/clients';
import { issueTestCode, redeemCode } from '../support/codes';
import { dpopKey, dpopProof } from '../support/dpop';
import { call, ISSUER, post, type TokenBody } from '../support/worker';
import { RFC7636_CHALLENGE, RFC7636_VERIFIER } from '../vectors/rfc/rfc7636';

const TOKEN = '/oauth/v2/oauth-token';
const HTU = `${ISSUER}${TOKEN}`;

const payloadOf = (jwt: string) =>
  JSON.parse(atob((jwt.split('.')[1] as string).replace(/-/g, '+').replace(/_/g, '/')));

async function codeClient() {
  return createTestClient({ grantTypes: ['authorization_code', 'refresh_token'] });
}

describe('PKCE (RFC 7636)', () => {
  it('Appendix B: the example verifier matches the example challenge', async () => {
    expect(await verifyCodeVerifier(RFC7636_VERIFIER, RFC7636_CHALLENGE)).toBe(true);
    expect(await verifyCodeVerifier(`${RFC7636_VERIFIER.slice(0, -1)}A`, RFC7636_CHALLENGE)).toBe(
      false,
    );
  });

  it('a code with the Appendix B challenge is redeemed with the Appendix B verifier only', async () => {
    const client = await codeClient();
    const auth = { Authorization: basic(client.clientId, client.secret) };
    const { code } = await issueTestCode({
      clientId: client.clientId,
      codeChallenge: RFC7636_CHALLENGE,
    });
    const ok = await redeemCode(code, RFC7636_VERIFIER, auth);
    expect(ok.status).toBe(200);
  });

  it('a wrong verifier is invalid_grant, a missing one invalid_request, a short one invalid_grant', async () => {
    const client = await codeClient();
    const auth = { Authorization: basic(client.clientId, client.secret) };
    for (const [verifier, error] of [
      ['x'.repeat(43), 'invalid_grant'],
      [undefined, 'invalid_request'],
      ['short', 'invalid_grant'],
    ] as const) {
      const { code } = await issueTestCode({ clientId: client.clientId });
      const body: Record<string, string> = {
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://app.example/cb',
      };
      if (verifier) body.code_verifier = verifier;
      const res = await post(TOKEN, body, auth);
      expect(res.status).toBe(400);
      expect(((await res.json()) as TokenBody).error).toBe(error);
    }
  });
});

describe('authorization_code grant (RFC 6749 §4.1.3, OIDC Core §3.1.3)', () => {
  it('issues access, refresh and ID tokens carrying the authentication (nonce, at_hash, auth_time, acr, amr, cal)', async () => {
    const client = await codeClient();
    const key = await dpopKey();
    const { code, verifier } = await issueTestCode({
      clientId: client.clientId,
      nonce: 'n-0S6_WzA2Mj',
      dpopJkt: key.jkt,
    });
    const res = await redeemCode(code, verifier, {
      Authorization: basic(client.clientId, client.secret),
      DPoP: await dpopProof(key, { htu: HTU }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const body = (await res.json()) as TokenBody;
    expect(body.token_type).toBe('DPoP');
    expect(body.scope).toBe('openid profile');
    expect(body.refresh_token).toMatch(/^[\w-]+\.1\.[\w-]{43}$/);
    const jwks = createLocalJWKSet(await (await call('/oauth/v2/jwks')).json());
    const access = await jwtVerify(body.access_token, jwks, { issuer: ISSUER, typ: 'at+jwt' });
    expect(access.payload).toMatchObject({
      sub: 'demo',
      client_id: client.clientId,
      scope: 'openid profile',
      acr: 'urn:se:curity:authentication:html-form:htmlform',
      amr: ['pwd'],
      cal: 'none',
      cnf: { jkt: key.jkt },
    });
    const id = await jwtVerify(body.id_token as string, jwks, {
      issuer: ISSUER,
      audience: client.clientId,
    });
    expect(id.payload).toMatchObject({
      sub: 'demo',
      nonce: 'n-0S6_WzA2Mj',
      amr: ['pwd'],
      cal: 'none',
      azp: client.clientId,
    });
    expect(typeof id.payload.auth_time).toBe('number');
    expect(id.payload.at_hash).toBe(await atHash(body.access_token, 'ES256'));
  });

  it('a replayed code is invalid_grant and revokes what the first redemption issued', async () => {
    const client = await codeClient();
    const auth = { Authorization: basic(client.clientId, client.secret) };
    const { code, verifier } = await issueTestCode({ clientId: client.clientId });
    const body = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://app.example/cb',
      code_verifier: verifier,
    };
    const first = (await (await post(TOKEN, body, auth)).json()) as TokenBody;
    // What the redemption issued was recorded with the redemption itself, in the flow's object.
    const flow = env.HAAPI_FLOW.get(env.HAAPI_FLOW.idFromName(code.split('.')[0] as string));
    const record = await runInDurableObject(flow, (_instance, state) =>
      state.storage.kv.get<{ redeemed: boolean; issued: string }>('code'),
    );
    expect(record?.redeemed).toBe(true);
    expect(JSON.parse(record?.issued as string)).toMatchObject({
      accessJti: decodeJwt(first.access_token).jti,
      familyId: expect.any(String),
    });
    const replay = await post(TOKEN, body, auth);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The authorization code was already used',
    });
    const refresh = await post(
      TOKEN,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token as string },
      auth,
    );
    expect(((await refresh.json()) as TokenBody).error).toBe('invalid_grant');
    const introspection = await post(
      '/oauth/v2/oauth-introspect',
      { token: first.access_token },
      auth,
    );
    expect(await introspection.json()).toEqual({ active: false });
  });

  it('of 10 concurrent redemptions of one code exactly one succeeds', async () => {
    const client = await codeClient();
    const { code, verifier } = await issueTestCode({ clientId: client.clientId });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        redeemCode(code, verifier, { Authorization: basic(client.clientId, client.secret) }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(9);
  });

  it('a code issued to another client, or for another redirect_uri, is invalid_grant', async () => {
    const client = await codeClient();
    const other = await codeClient();
    const a = await issueTestCode({ clientId: client.clientId });
    const r1 = await redeemCode(a.code, a.verifier, {
      Authorization: basic(other.clientId, other.secret),
    });
    expect(((await r1.json()) as TokenBody).error).toBe('invalid_grant');
    const b = await issueTestCode({ clientId: client.clientId });
    const r2 = await post(
      TOKEN,
      {
        grant_type: 'authorization_code',
        code: b.code,
        redirect_uri: 'https://app.example/cb/',
        code_verifier: b.verifier,
      },
      { Authorization: basic(client.clientId, client.secret) },
    );
    expect(((await r2.json()) as TokenBody).error).toBe('invalid_grant');
  });

  it('an expired or made-up code is invalid_grant', async () => {
    const client = await codeClient();
    const auth = { Authorization: basic(client.clientId, client.secret) };
    const expired = await issueTestCode({ clientId: client.clientId, ttl: 0.01 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    for (const code of [expired.code, 'nope', `${'a'.repeat(22)}.${'b'.repeat(43)}`]) {
      const res = await redeemCode(code, expired.verifier, auth);
      expect(res.status).toBe(400);
      expect(((await res.json()) as TokenBody).error).toBe('invalid_grant');
    }
  });

  it('a DPoP-bound code needs a proof of the same key', async () => {
    const client = await codeClient();
    const key = await dpopKey();
    const other = await dpopKey();
    const { code, verifier } = await issueTestCode({ clientId: client.clientId, dpopJkt: key.jkt });
    const res = await redeemCode(code, verifier, {
      Authorization: basic(client.clientId, client.secret),
      DPoP: await dpopProof(other, { htu: HTU }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as TokenBody).error).toBe('invalid_dpop_proof');
  });

  it('a public client redeems its code with client_id and PKCE only', async () => {
    const client = await createTestClient({
      clientType: 'public',
      authMethod: 'none',
      grantTypes: ['authorization_code'],
    });
    const { code, verifier } = await issueTestCode({ clientId: client.clientId });
    const res = await post(TOKEN, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://app.example/cb',
      code_verifier: verifier,
      client_id: client.clientId,
    });
    expect(res.status).toBe(200);
    expect((await res.json()) as TokenBody).not.toHaveProperty('refresh_token');
  });
});

describe('refresh_token grant: rotation and reuse detection (RFC 9700 §4.14.2)', () => {
  async function start() {
    const client = await codeClient();
    const auth = { Authorization: basic(client.clientId, client.secret) };
    const { code, verifier } = await issueTestCode({ clientId: client.clientId });
    const first = (await (await redeemCode(code, verifier, auth)).json()) as TokenBody;
    const refresh = (token: string, extra: Record<string, string> = {}) =>
      post(TOKEN, { grant_type: 'refresh_token', refresh_token: token, ...extra }, auth);
    return { client, auth, first, refresh };
  }

  it('rotates: a new refresh token each time, the access token keeps the authentication', async () => {
    const { first, refresh } = await start();
    const second = (await (await refresh(first.refresh_token as string)).json()) as TokenBody;
    expect(second.refresh_token).toMatch(/\.2\./);
    const third = (await (await refresh(second.refresh_token as string)).json()) as TokenBody;
    expect(third.refresh_token).toMatch(/\.3\./);
    expect(payloadOf(third.access_token)).toMatchObject({
      sub: 'demo',
      amr: ['pwd'],
      acr: 'urn:se:curity:authentication:html-form:htmlform',
    });
  });

  it('a retry with the previous token inside the grace window gets the same answer', async () => {
    const { first, refresh } = await start();
    const a = (await (await refresh(first.refresh_token as string)).json()) as TokenBody;
    const b = (await (await refresh(first.refresh_token as string)).json()) as TokenBody;
    expect(b.refresh_token).toBe(a.refresh_token);
    expect(payloadOf(b.access_token).jti).toBe(payloadOf(a.access_token).jti);
    expect(payloadOf(b.access_token).exp).toBe(payloadOf(a.access_token).exp);
    expect((await refresh(a.refresh_token as string)).status).toBe(200);
  });

  it('reuse of a rotated token after the grace window revokes the whole family', async () => {
    const { first, refresh } = await start();
    const second = (await (await refresh(first.refresh_token as string)).json()) as TokenBody;
    // 60 s later: the 30 s grace window is over.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_000);
    const reuse = await refresh(first.refresh_token as string);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The refresh token was already used',
    });
    const current = await refresh(second.refresh_token as string);
    expect(await current.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The refresh token was revoked',
    });
    vi.useRealTimers();
  });

  it("a forged, another client's, or narrowed-beyond-scope refresh is refused", async () => {
    const { first, refresh } = await start();
    const forged = (first.refresh_token as string).replace(/\.[\w-]{43}$/, `.${'A'.repeat(43)}`);
    expect(((await (await refresh(forged)).json()) as TokenBody).error).toBe('invalid_grant');
    const other = await codeClient();
    const res = await post(
      TOKEN,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token as string },
      { Authorization: basic(other.clientId, other.secret) },
    );
    expect(((await res.json()) as TokenBody).error).toBe('invalid_grant');
    expect(
      (
        (await (
          await refresh(first.refresh_token as string, { scope: 'openid admin' })
        ).json()) as TokenBody
      ).error,
    ).toBe('invalid_scope');
    const narrowed = (await (
      await refresh(first.refresh_token as string, { scope: 'openid' })
    ).json()) as TokenBody;
    expect(narrowed.scope).toBe('openid');
  });

  it('of 10 concurrent refreshes with one token, all get the same new refresh token', async () => {
    const { first, refresh } = await start();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => refresh(first.refresh_token as string)),
    );
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as TokenBody[];
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(new Set(bodies.map((b) => b.refresh_token)).size).toBe(1);
    expect(bodies[0]?.refresh_token).toMatch(/\.2\./);
  });

  it('a DPoP-bound family refreshes only with the same key', async () => {
    const client = await codeClient();
    const auth = { Authorization: basic(client.clientId, client.secret) };
    const key = await dpopKey();
    const { code, verifier } = await issueTestCode({ clientId: client.clientId });
    const first = (await (
      await post(
        TOKEN,
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: 'https://app.example/cb',
          code_verifier: verifier,
        },
        { ...auth, DPoP: await dpopProof(key, { htu: HTU }) },
      )
    ).json()) as TokenBody;
    const other = await dpopKey();
    const wrong = await post(
      TOKEN,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token as string },
      { ...auth, DPoP: await dpopProof(other, { htu: HTU }) },
    );
    expect(((await wrong.json()) as TokenBody).error).toBe('invalid_dpop_proof');
    const none = await post(
      TOKEN,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token as string },
      auth,
    );
    expect(((await none.json()) as TokenBody).error).toBe('invalid_dpop_proof');
    const right = await post(
      TOKEN,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token as string },
      { ...auth, DPoP: await dpopProof(key, { htu: HTU }) },
    );
    expect(right.status).toBe(200);
    expect(payloadOf(((await right.json()) as TokenBody).access_token).cnf).toEqual({
      jkt: key.jkt,
    });
  });
});
