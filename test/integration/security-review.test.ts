// Regression tests for the adversarial review of main at 50bca0a (issue #17): each test names its
// finding, goes through the Worker (workerd, real D1 and Durable Objects) and failed before the fix.
import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { decodeJwt, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dummyHashFor } from '../../src/clients/auth/client-secret';
import { parseSettings } from '../../src/config/settings';
import { sha256 } from '../../src/crypto/digest';
import { encodeBase64 } from '../../src/crypto/pem';
import { randomToken } from '../../src/crypto/random';
import { hashGeneratedSecret, hashPassword, PBKDF2_ITERATIONS } from '../../src/crypto/secret-hash';
import { mintAccessToken } from '../../src/tokens/access-token';
import { loadKeySet } from '../../src/tokens/keys';
import { AOSP_INTERMEDIATE_VALID_AT, aospSoftwareCa } from '../support/aosp-software-key';
import { bootstrapWorker, insertAttestedClient, keyPairAndDpop } from '../support/bootstrap';
import { basic, createTestClient, initialAccessToken, signingKey } from '../support/clients';
import { issueTestCode, redeemCode } from '../support/codes';
import { androidChain } from '../support/dev-attestation';
import { type DpopKey, dpopKey, dpopProof } from '../support/dpop';
import {
  action,
  authorizationRequest,
  HaapiTestClient,
  insertSecretHaapiClient,
} from '../support/haapi-client';
import { call, ISSUER, post, type TokenBody } from '../support/worker';

const TOKEN = `${ISSUER}/oauth/v2/oauth-token`;
const REGISTRATION = `${ISSUER}/oauth/v2/oauth-registration`;
const INTROSPECT = `${ISSUER}/oauth/v2/oauth-introspect`;

function authorizeUrl(clientId: string, redirectUri: string, extra: Record<string, string> = {}) {
  const url = new URL('/oauth/v2/oauth-authorize', ISSUER);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid',
    state: 's1',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return url.href;
}

/** A registration from the demo template, with the device key's DPoP proof when there is one. */
async function register(iat: string, key?: DpopKey) {
  return call(REGISTRATION, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${iat}`,
      'CF-Connecting-IP': crypto.randomUUID(),
      ...(key ? { DPoP: await dpopProof(key, { htu: REGISTRATION, accessToken: iat }) } : {}),
    },
    body: JSON.stringify({ software_id: 'haapi-template-client' }),
  });
}

interface Registration {
  client_id: string;
  client_secret: string;
  registration_access_token: string;
  registration_client_uri: string;
}

/** A dynamic client registered now (with a new initial access token). */
async function registered(key?: DpopKey): Promise<Registration> {
  return (await (await register(await initialAccessToken(), key)).json()) as Registration;
}

/** A dynamic client's AAT request with its secret and a proof of `key`. */
async function haapiAat(clientId: string, secret: string, key: DpopKey): Promise<Response> {
  return post(
    TOKEN,
    { grant_type: 'client_credentials', scope: 'urn:se:curity:scopes:haapi' },
    { Authorization: basic(clientId, secret), DPoP: await dpopProof(key, { htu: TOKEN }) },
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('#17.1 the browser login of an app that must prove itself', () => {
  it('is refused for attested, template and dynamic clients (unauthorized_client, redirected)', async () => {
    for (const clientId of ['haapi-ios-client', 'haapi-android-client']) {
      const res = await call(authorizeUrl(clientId, 'app://haapi'), { redirect: 'manual' });
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('Location') as string);
      expect(location.protocol).toBe('app:');
      expect(location.searchParams.get('error')).toBe('unauthorized_client');
      expect(location.searchParams.get('state')).toBe('s1');
    }
    const key = await dpopKey();
    const dynamic = await registered(key);
    const dyn = await call(authorizeUrl(dynamic.client_id, 'app://haapi'), {
      redirect: 'manual',
    });
    expect(new URL(dyn.headers.get('Location') as string).searchParams.get('error')).toBe(
      'unauthorized_client',
    );
  });

  it('(control) a client that opts in (browserFlow) still gets an HTML flow', async () => {
    const res = await call(authorizeUrl('haapi-web-client', 'http://localhost:5173/callback'), {
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toContain('/authn/');
  });

  it("a dynamic client's secret is useless with another DPoP key, at every endpoint", async () => {
    const device = await dpopKey();
    const body = await registered(device);
    const auth = basic(body.client_id, body.client_secret);
    const thief = await dpopKey();
    for (const [url, form] of [
      [TOKEN, { grant_type: 'client_credentials', scope: 'openid' }],
      [TOKEN, { grant_type: 'client_credentials', scope: 'urn:se:curity:scopes:haapi' }],
      [INTROSPECT, { token: 'x' }],
      [`${ISSUER}/oauth/v2/oauth-revoke`, { token: 'x' }],
    ] as const) {
      const withThief = await post(url, form, {
        Authorization: auth,
        DPoP: await dpopProof(thief, { htu: url }),
      });
      expect(withThief.status, url).toBe(400);
      expect(((await withThief.json()) as TokenBody).error).toBe('invalid_dpop_proof');
      const withoutProof = await post(url, form, { Authorization: auth });
      expect(withoutProof.status, url).toBe(400);
    }
    const own = await haapiAat(body.client_id, body.client_secret, device);
    expect(own.status).toBe(200);
  });
});

describe('#17.2 forged software attestation', () => {
  it('a chain to the AOSP software root that claims a TEE is Software: security_level_too_low', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(AOSP_INTERMEDIATE_VALID_AT);
    const app = bootstrapWorker({
      'tee-required': {
        platform: 'android',
        mode: 'non-production',
        packageNames: ['io.curity.haapidemo'],
        minSecurityLevel: 'TrustedEnvironment',
      },
    });
    const clientId = await insertAttestedClient('tee-required');
    const { pair } = await keyPairAndDpop();
    const challenge = await app.challenge(clientId);
    const chain = await androidChain({
      root: await aospSoftwareCa(),
      key: pair,
      challenge: await sha256(challenge),
      packageName: 'io.curity.haapidemo',
      signatureDigests: [new Uint8Array(32).fill(1)],
    });
    const res = await app.postCat(
      clientId,
      challenge,
      JSON.stringify({ platform: 'android', x5c: chain.map(encodeBase64) }),
    );
    // A development server names the reason (production does not).
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_client',
      error_description: 'The client attestation could not be verified (security_level_too_low)',
    });
  });
});

describe('#17.3 production refuses non-production policies', () => {
  it('names the setting at start-up', () => {
    const base = { ...(env as unknown as Record<string, string>) };
    expect(() =>
      parseSettings({
        ...base,
        ENVIRONMENT: 'production',
        ISSUER: 'https://id.example',
        DEV_ATTESTATION_ROOTS: '',
        DEV_CLIENT_CERTIFICATE_HEADER: 'false',
        DEBUG_LOGIN_ATTRIBUTES: 'false',
        ATTESTATION: JSON.stringify({
          dev: { platform: 'android', mode: 'non-production', packageNames: ['a.b'] },
        }),
      }),
    ).toThrow(/ATTESTATION\.dev\.mode .*refused when ENVIRONMENT is production/);
  });
});

describe('#17.7 a code is checked before it is used up', () => {
  it('a wrong client, redirect URI or verifier does not burn it', async () => {
    const client = await createTestClient();
    const other = await createTestClient();
    const { code, verifier } = await issueTestCode({ clientId: client.clientId });
    const attempts: [Record<string, string>, string][] = [
      [{ Authorization: basic(other.clientId, other.secret) }, verifier],
      [{ Authorization: basic(client.clientId, client.secret) }, randomToken(32)],
    ];
    for (const [headers, v] of attempts) {
      const res = await redeemCode(code, v, headers);
      expect(res.status).toBe(400);
      expect(((await res.json()) as TokenBody).error).toBe('invalid_grant');
    }
    const wrongRedirect = await post(
      TOKEN,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://evil.example/cb',
        code_verifier: verifier,
      },
      { Authorization: basic(client.clientId, client.secret) },
    );
    expect(wrongRedirect.status).toBe(400);
    const real = await redeemCode(code, verifier, {
      Authorization: basic(client.clientId, client.secret),
    });
    expect(real.status).toBe(200);
  });
});

describe('#17.8 introspection', () => {
  it('a client sees only its own tokens; a resource server sees all; a public client none', async () => {
    const owner = await createTestClient({ grantTypes: ['client_credentials'], scopes: 'read' });
    const other = await createTestClient({ grantTypes: ['client_credentials'] });
    const rs = await createTestClient({ grantTypes: ['client_credentials'] });
    await env.DB.prepare(
      `UPDATE clients SET capabilities = '{"introspection":true}' WHERE client_id = ?`,
    )
      .bind(rs.clientId)
      .run();
    const token = (
      (await (
        await post(
          TOKEN,
          { grant_type: 'client_credentials', scope: 'read' },
          { Authorization: basic(owner.clientId, owner.secret) },
        )
      ).json()) as TokenBody
    ).access_token;
    const introspect = async (c: { clientId: string; secret: string }) =>
      (await (
        await post(INTROSPECT, { token }, { Authorization: basic(c.clientId, c.secret) })
      ).json()) as { active: boolean };
    expect((await introspect(owner)).active).toBe(true);
    expect((await introspect(other)).active).toBe(false);
    expect((await introspect(rs)).active).toBe(true);
    const publicClient = await post(INTROSPECT, { token, client_id: 'haapi-web-client' });
    expect(publicClient.status).toBe(401);
  });
});

describe('#17.10, #17.11 client_credentials', () => {
  it('is refused openid, and its tokens are refused at userinfo', async () => {
    const res = await post(
      TOKEN,
      { grant_type: 'client_credentials', scope: 'openid' },
      { Authorization: basic('haapi-android-client', 'Password1') },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as TokenBody).error).toBe('invalid_scope');
  });

  it('SCOPE_MIN_CAL applies to it', async () => {
    const client = await createTestClient({ grantTypes: ['client_credentials'], scopes: 'read' });
    const app = bootstrapWorker({}, { SCOPE_MIN_CAL: '{"read":"by-provisioned-key"}' });
    const res = await app.call(TOKEN, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: basic(client.clientId, client.secret),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as TokenBody).error).toBe('invalid_scope');
  });
});

describe('#17.9, #17.12, re-registration', () => {
  it('re-registering answers 201, the new cal applies, and the old secret works until the new is used', async () => {
    const device = await dpopKey();
    const first = await registered(device);
    const again = await register(await initialAccessToken(), device);
    expect(again.status).toBe(201);
    const second = (await again.json()) as { client_id: string; client_secret: string };
    expect(second.client_id).toBe(first.client_id);
    const aat = (secret: string) => haapiAat(first.client_id, secret, device);
    expect((await aat(first.client_secret)).status).toBe(200);
    const fresh = await aat(second.client_secret);
    expect(fresh.status).toBe(200);
    expect(decodeJwt(((await fresh.json()) as TokenBody).access_token).cal).toBe('none');
    // The new secret was used: the previous one ends.
    expect((await aat(first.client_secret)).status).toBe(401);
  });

  it('binding a key another dynamic client holds is a 400 and stores nothing', async () => {
    const a = await dpopKey();
    const first = await registered(a);
    // A second client registered without a key, then asked to bind the first one's.
    const second = await registered();
    const res = await haapiAat(second.client_id, second.client_secret, a);
    expect(res.status).toBe(400);
    const rows = await env.DB.prepare(
      'SELECT client_id, device_jkt FROM clients WHERE client_id IN (?, ?)',
    )
      .bind(first.client_id, second.client_id)
      .all<{ client_id: string; device_jkt: string | null }>();
    expect(rows.results.find((r) => r.client_id === second.client_id)?.device_jkt).toBeNull();
  });
});

describe('#17.13 private_key_jwt audience', () => {
  it('aud must be the issuer, alone', async () => {
    const key = await signingKey('ES256');
    const client = await createTestClient({
      authMethod: 'private_key_jwt',
      grantTypes: ['client_credentials'],
      scopes: 'read',
      jwks: { keys: [key.jwk] },
    });
    const withAud = async (aud: string | string[]) =>
      post(TOKEN, {
        grant_type: 'client_credentials',
        scope: 'read',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await new SignJWT({ jti: crypto.randomUUID() })
          .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid as string })
          .setIssuer(client.clientId)
          .setSubject(client.clientId)
          .setAudience(aud)
          .setExpirationTime('1m')
          .sign(key.privateKey),
      });
    expect((await withAud(TOKEN)).status).toBe(401);
    expect((await withAud([ISSUER, 'https://other.example'])).status).toBe(401);
    expect((await withAud(ISSUER)).status).toBe(200);
  });
});

describe('#17.14 error_description never reflects request text', () => {
  it('a scope with U+202E is not reflected into the redirect', async () => {
    const res = await call(
      authorizeUrl('haapi-web-client', 'http://localhost:5173/callback', {
        scope: 'openid \u202Eevil.example',
      }),
      { redirect: 'manual' },
    );
    const location = new URL(res.headers.get('Location') as string);
    const description = location.searchParams.get('error_description') as string;
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(description).not.toContain('evil');
    expect(description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]*$/);
  });
});

/** A HAAPI app of a secret-authenticated client, from its own IP, with the password authenticator. */
const fetchWorker = (r: Request) =>
  exports.default.fetch(r as unknown as Request<unknown, IncomingRequestCfProperties>);

async function passwordApp(
  worker: (r: Request) => Promise<Response> = fetchWorker,
  ip = crypto.randomUUID(),
) {
  const secret = randomToken();
  const clientId = await insertSecretHaapiClient(await hashGeneratedSecret(secret));
  const app = await HaapiTestClient.withSecret(
    (r) => {
      r.headers.set('CF-Connecting-IP', ip);
      return worker(r);
    },
    clientId,
    secret,
  );
  const { url } = await authorizationRequest(clientId);
  const first = await app.request(url);
  return { app, clientId, secret, login: action(first.body, 'login'), first };
}

async function insertAccount(username: string, password: string): Promise<void> {
  await env.DB.prepare('INSERT INTO accounts (subject, username, password_hash) VALUES (?, ?, ?)')
    .bind(crypto.randomUUID(), username, await hashPassword(password))
    .run();
}

describe('#17.4 the lockout under a burst', () => {
  it('50 parallel wrong guesses: at most MAX_FAILED_LOGINS are verified, then the right password is refused too', async () => {
    const username = `burst-${crypto.randomUUID()}`;
    await insertAccount(username, 'Correct-horse-1');
    const { app, login } = await passwordApp();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        app.submit(login, { userName: username, password: `wrong-${i}` }),
      ),
    );
    const verified = results.filter((r) => r.status === 400);
    const refused = results.filter((r) => r.status === 429);
    expect(verified.length).toBeLessThanOrEqual(5);
    expect(verified.length + refused.length).toBe(50);
    for (const r of refused)
      expect(r.body.type).toBe('https://curity.se/problems/too-many-attempts');
    const late = await passwordApp();
    const right = await late.app.submit(late.login, {
      userName: username,
      password: 'Correct-horse-1',
    });
    expect(right.status).toBe(429);
    // The operator's view records the lockout.
    const row = await env.DB.prepare('SELECT locked_until FROM accounts WHERE username = ?')
      .bind(username)
      .first<{ locked_until: number | null }>();
    expect(row?.locked_until).toBeGreaterThan(Math.floor(Date.now() / 1000));
  });
});

describe('#17.5 an unknown username answers like an existing one', () => {
  it('the same statuses and problem types, the lockout included', async () => {
    const known = `known-${crypto.randomUUID()}`;
    await insertAccount(known, 'Correct-horse-1');
    const unknown = `unknown-${crypto.randomUUID()}`;
    const answers = async (username: string) => {
      const { app, login } = await passwordApp();
      const out: [number, string][] = [];
      for (let i = 0; i < 7; i++) {
        const r = await app.submit(login, { userName: username, password: 'not-it' });
        out.push([r.status, String(r.body.type)]);
      }
      return out;
    };
    const forKnown = await answers(known);
    expect(await answers(unknown)).toEqual(forKnown);
    expect(forKnown.map(([status]) => status)).toEqual([400, 400, 400, 400, 400, 429, 429]);
  });
});

describe('#17.6 rate limits on account creation and unauthenticated flows', () => {
  it('ACCOUNT_CREATIONS_PER_IP counts every registration attempt, a taken username too', async () => {
    const app = bootstrapWorker(
      {},
      {
        ACCOUNT_CREATIONS_PER_IP: '2',
        AUTHENTICATORS: '[{"id":"pw","type":"password","registration":true}]',
      },
    );
    const ip = crypto.randomUUID();
    const statuses: number[] = [];
    for (const name of ['demo', `new-${crypto.randomUUID()}`, `new-${crypto.randomUUID()}`]) {
      const { app: haapi, first } = await passwordApp((r) => app.call(r.url, r), ip);
      const registerLink = (first.body.links ?? []).find((l) => l.rel === 'register-create');
      const registration = await haapi.request((registerLink as { href: string }).href);
      const form = action(registration.body, 'user-register');
      statuses.push(
        (await haapi.submit(form, { userName: name, password: 'Long-enough-1' })).status,
      );
    }
    // The taken name (400) and one new account (200) spent the budget of 2.
    expect(statuses).toEqual([400, 200, 429]);
  });

  it('FLOWS_PER_IP limits browser flows per IP before any flow object exists', async () => {
    const app = bootstrapWorker({}, { FLOWS_PER_IP: '2' });
    const ip = crypto.randomUUID();
    const start = () =>
      app.call(authorizeUrl('haapi-web-client', 'http://localhost:5173/callback'), {
        headers: { 'CF-Connecting-IP': ip },
        redirect: 'manual',
      });
    expect((await start()).status).toBe(303);
    expect((await start()).status).toBe(303);
    const third = await start();
    expect(third.status).toBe(429);
    expect(third.headers.get('Retry-After')).toMatch(/^\d+$/);
    // An invalid request never counts (and never makes a flow).
    const other = crypto.randomUUID();
    for (let i = 0; i < 3; i++) {
      const bad = await app.call(`${ISSUER}/oauth/v2/oauth-authorize?client_id=nobody`, {
        headers: { 'CF-Connecting-IP': other },
      });
      expect(bad.status).toBe(400);
    }
  });
});

describe('#17.11 user endpoints take only a user login', () => {
  it("a client's own token (sub = client_id) with openid is refused at userinfo, even when an account has that subject", async () => {
    const client = await createTestClient({ grantTypes: ['client_credentials'] });
    await env.DB.prepare('INSERT INTO accounts (subject, username) VALUES (?, ?)')
      .bind(client.clientId, `same-as-${client.clientId}`)
      .run();
    // What an earlier client_credentials grant issued with `openid` (now refused at the grant).
    const keys = await loadKeySet(parseSettings(env as never).signingKeys);
    const { token } = await mintAccessToken(keys, {
      issuer: ISSUER,
      audience: ISSUER,
      clientId: client.clientId,
      scope: ['openid'],
      auth: { subject: client.clientId },
      ttl: 300,
      now: Math.floor(Date.now() / 1000),
    });
    const res = await call('/oauth/v2/oauth-userinfo', {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
  });
});

describe('#17.15 an unknown client id costs what a configured secret costs', () => {
  it('the dummy hash is PBKDF2 at the configured iterations (SHA-256 for dynamic ids)', () => {
    expect(dummyHashFor('no-such-client')).toMatch(
      new RegExp(`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$`),
    );
    expect(dummyHashFor('dyn-no-such-client')).toMatch(/^sha256\$/);
  });
});

describe('#17.16 the user tokens of a deleted dynamic client', () => {
  it('are refused at userinfo after the RFC 7592 DELETE', async () => {
    const device = await dpopKey();
    const body = await registered(device);
    const { code, verifier } = await issueTestCode({
      clientId: body.client_id,
      redirectUri: 'app://haapi',
      dpopJkt: device.jkt,
    });
    const tokens = await post(
      TOKEN,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'app://haapi',
        code_verifier: verifier,
      },
      {
        Authorization: basic(body.client_id, body.client_secret),
        DPoP: await dpopProof(device, { htu: TOKEN }),
      },
    );
    expect(tokens.status).toBe(200);
    const accessToken = ((await tokens.json()) as TokenBody).access_token;
    const userinfo = async () =>
      call('/oauth/v2/oauth-userinfo', {
        headers: {
          Authorization: `DPoP ${accessToken}`,
          DPoP: await dpopProof(device, {
            htm: 'GET',
            htu: `${ISSUER}/oauth/v2/oauth-userinfo`,
            accessToken,
          }),
        },
      });
    expect((await userinfo()).status).toBe(200);
    const del = await call(body.registration_client_uri, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${body.registration_access_token}` },
    });
    expect(del.status).toBe(204);
    expect((await userinfo()).status).toBe(401);
  });
});
