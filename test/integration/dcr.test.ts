// DCR fallback (docs/haapi-protocol.md §2.3; RFC 7591, 7592) through the Worker: the main client's
// initial access token (secret, mTLS, private_key_jwt), per-device dynamic clients from templates,
// cal inherited from the registration, device keys, management, limits and the hourly purge.
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { describe, expect, it } from 'vitest';
import { randomToken } from '../../src/crypto/random';
import { hashGeneratedSecret } from '../../src/crypto/secret-hash';
import worker from '../../src/index';
import { guardObject, useOnce } from '../../src/replay/use-once';
import { forgetClient } from '../../src/storage/clients';
import { issuerOnlyKey } from '../../src/tokens/access-token';
import { loadKeySet, signJwt } from '../../src/tokens/keys';
import { applySql } from '../support/apply-schema';
import { basic, initialAccessToken, signingKey } from '../support/clients';
import { type DpopKey, dpopKey, dpopProof } from '../support/dpop';
import { action, authorizationRequest, HaapiTestClient } from '../support/haapi-client';
import { call, ISSUER, post, type TokenBody } from '../support/worker';

const TOKEN = `${ISSUER}/oauth/v2/oauth-token`;
const REGISTRATION = `${ISSUER}/oauth/v2/oauth-registration`;
const HAAPI = 'urn:se:curity:scopes:haapi';

interface Registration {
  client_id: string;
  client_secret: string;
  registration_access_token: string;
  registration_client_uri: string;
  software_id: string;
  error?: string;
}

async function register(
  iat: string,
  body: unknown,
  key?: DpopKey,
  ip = crypto.randomUUID(),
  tlsClientAuth?: unknown,
): Promise<Response> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Authorization: `Bearer ${iat}`,
    'CF-Connecting-IP': ip,
  };
  if (key) headers.DPoP = await dpopProof(key, { htu: REGISTRATION, accessToken: iat });
  return call(REGISTRATION, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    ...(tlsClientAuth ? { cf: { tlsClientAuth } } : {}),
  } as RequestInit);
}

async function aat(clientId: string, secret: string, key: DpopKey): Promise<Response> {
  return post(
    TOKEN,
    { grant_type: 'client_credentials', scope: HAAPI },
    { Authorization: basic(clientId, secret), DPoP: await dpopProof(key, { htu: TOKEN }) },
  );
}

/** The initial-access-token request of a main client authenticating with a TLS certificate. */
function mtlsInitialAccessToken(registrar: string, tlsClientAuth: unknown): Promise<Response> {
  return call(TOKEN, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'dcr',
      client_id: registrar,
    }),
    cf: { tlsClientAuth },
  } as RequestInit);
}

/** The dynamic clients of a template in D1, counted. */
async function clientsOf(template: string): Promise<number | undefined> {
  const row = await env.DB.prepare('SELECT COUNT(*) AS n FROM clients WHERE template_id = ?')
    .bind(template)
    .first<{ n: number }>();
  return row?.n;
}

/** The client ids registration answers name. */
async function clientIds(results: Response[]): Promise<string[]> {
  return (await Promise.all(results.map((r) => r.json()))).map(
    (b) => (b as Registration).client_id,
  );
}

async function insertTemplate(
  registrar: string,
  options: {
    allowWithoutAttestation?: boolean;
    maxClients?: number;
    lifetimeSeconds?: number;
    capabilities?: Record<string, boolean>;
  } = {},
): Promise<string> {
  const id = `template-${crypto.randomUUID()}`;
  await env.DB.prepare(
    `INSERT INTO clients (client_id, client_type, is_template, grant_types, scopes, redirect_uris, capabilities, authenticate_client_by, template_limits, dpop_required)
     VALUES (?, 'confidential', 1, '["authorization_code","refresh_token","client_credentials"]', 'openid profile', '["app://haapi"]', ?, ?, ?, 1)`,
  )
    .bind(
      id,
      JSON.stringify({
        code: true,
        haapi: true,
        allowWithoutAttestation: options.allowWithoutAttestation !== false,
        ...options.capabilities,
      }),
      registrar,
      JSON.stringify({ maxClients: options.maxClients, lifetimeSeconds: options.lifetimeSeconds }),
    )
    .run();
  return id;
}

async function insertRegistrar(columns: Record<string, unknown>): Promise<string> {
  const id = `registrar-${crypto.randomUUID()}`;
  const names = ['client_id', 'grant_types', 'scopes', ...Object.keys(columns)];
  await env.DB.prepare(
    `INSERT INTO clients (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
  )
    .bind(id, '["client_credentials"]', '', ...Object.values(columns))
    .run();
  return id;
}

async function haapiLogin(clientId: string, secret: string, key: DpopKey, token: string) {
  const app = new HaapiTestClient((r) => call(r.url, r), token, key);
  const { url, verifier } = await authorizationRequest(clientId, { scope: 'openid' });
  const first = await app.request(url);
  const done = await app.follow(
    await app.submit(action(first.body, 'login'), { userName: 'demo', password: 'Password1' }),
  );
  expect(done.body.type).toBe('oauth-authorization-response');
  const res = await post(
    TOKEN,
    {
      grant_type: 'authorization_code',
      code: (done.body.properties as Record<string, string>).code as string,
      redirect_uri: 'app://haapi',
      code_verifier: verifier,
    },
    {
      Authorization: basic(clientId, secret),
      DPoP: await dpopProof(key, { htu: TOKEN }),
    },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as TokenBody;
}

describe('DCR fallback with the demo template (secret of the main client)', () => {
  it('initial access token → registration → AAT (cal none) → a full HAAPI login with tokens carrying cal none', async () => {
    const key = await dpopKey();
    const res = await register(
      await initialAccessToken(),
      { software_id: 'haapi-template-client' },
      key,
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const reg = (await res.json()) as Registration;
    expect(reg).toMatchObject({
      software_id: 'haapi-template-client',
      registration_client_uri: `${REGISTRATION}/${reg.client_id}`,
    });
    expect(reg.client_secret).toMatch(/^[\w-]{43}$/);
    const row = await env.DB.prepare(
      'SELECT secret_hash, template_id, registration_cal, device_jkt FROM clients WHERE client_id = ?',
    )
      .bind(reg.client_id)
      .first<Record<string, string>>();
    expect(row).toMatchObject({
      template_id: 'haapi-template-client',
      registration_cal: 'none',
      device_jkt: key.jkt,
    });
    expect(row?.secret_hash).not.toContain(reg.client_secret);
    const token = await aat(reg.client_id, reg.client_secret, key);
    expect(token.status).toBe(200);
    const aatBody = (await token.json()) as TokenBody;
    expect(decodeJwt(aatBody.access_token)).toMatchObject({
      client_id: reg.client_id,
      cal: 'none',
      scope: HAAPI,
      cnf: { jkt: key.jkt },
    });
    const tokens = await haapiLogin(reg.client_id, reg.client_secret, key, aatBody.access_token);
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      sub: 'demo',
      cal: 'none',
      amr: ['pwd'],
    });
  });

  it('the initial access token is single use, and once used it is no longer active', async () => {
    const iat = await initialAccessToken();
    expect((await register(iat, { software_id: 'haapi-template-client' })).status).toBe(201);
    const again = await register(iat, { software_id: 'haapi-template-client' });
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The initial access token was already used or revoked',
    });
    const introspected = await post(
      `${ISSUER}/oauth/v2/oauth-introspect`,
      { token: iat },
      { Authorization: basic('haapi-android-client', 'Password1') },
    );
    expect(await introspected.json()).toEqual({ active: false });
  });

  it('a token naming a ReplayGuard object (as issued before single use moved to D1) is also checked there', async () => {
    const key = await issuerOnlyKey(env.SERVER_SECRET);
    const claims = decodeJwt(await initialAccessToken());
    const legacy = async (jti: string) =>
      new SignJWT({ ...claims, jti, grd: 'test~3' })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .sign(key);
    // Used before the upgrade: its object remembers it.
    const usedJti = randomToken(16);
    const guard = guardObject('test~3') as string;
    expect(await useOnce(env.REPLAY_GUARD, 'initial-access-token', usedJti, 120, guard)).toBe(
      'first-use',
    );
    const used = await register(await legacy(usedJti), { software_id: 'haapi-template-client' });
    expect(used.status).toBe(401);
    expect(((await used.json()) as Registration).error).toBe('invalid_token');
    // Not used yet: it registers once.
    const fresh = await legacy(randomToken(16));
    expect((await register(fresh, { software_id: 'haapi-template-client' })).status).toBe(201);
    expect((await register(fresh, { software_id: 'haapi-template-client' })).status).toBe(401);
  });

  it('a revoked initial access token cannot register (revocation uses it up)', async () => {
    const iat = await initialAccessToken();
    const revoked = await post(
      `${ISSUER}/oauth/v2/oauth-revoke`,
      { token: iat, token_type_hint: 'access_token' },
      { Authorization: basic('haapi-android-client', 'Password1') },
    );
    expect(revoked.status).toBe(200);
    const res = await register(iat, { software_id: 'haapi-template-client' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Registration).error).toBe('invalid_token');
    // Revoking it again, or revoking one already used, is harmless (RFC 7009 §2.2).
    const again = await post(
      `${ISSUER}/oauth/v2/oauth-revoke`,
      { token: iat },
      { Authorization: basic('haapi-android-client', 'Password1') },
    );
    expect(again.status).toBe(200);
  });

  it("the initial access token is MAC'd for this server alone: no JWKS verifies it, introspection and registration do, and no other scope is MAC'd", async () => {
    const iat = await initialAccessToken();
    expect(decodeProtectedHeader(iat)).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    const jwks = createLocalJWKSet(await (await call(`${ISSUER}/oauth/v2/jwks`)).json());
    await expect(jwtVerify(iat, jwks)).rejects.toThrow();
    const introspected = await post(
      `${ISSUER}/oauth/v2/oauth-introspect`,
      { token: iat },
      { Authorization: basic('haapi-android-client', 'Password1') },
    );
    expect(await introspected.json()).toMatchObject({
      active: true,
      scope: 'dcr',
      client_id: 'haapi-android-client',
    });
    // The same claims MAC'd with another scope are no token at all: not at registration, not
    // as an access token elsewhere (userinfo), and a MAC'd dcr token is no access token either.
    const key = await issuerOnlyKey(env.SERVER_SECRET);
    const macd = (scope: string) =>
      new SignJWT({ ...decodeJwt(iat), scope, jti: randomToken(16) })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .sign(key);
    const other = await register(await macd('openid dcr'), {
      software_id: 'haapi-template-client',
    });
    expect(other.status).toBe(401);
    expect(((await other.json()) as Registration).error).toBe('invalid_token');
    for (const token of [await macd('openid'), iat]) {
      const userinfo = await call(`${ISSUER}/oauth/v2/oauth-userinfo`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(userinfo.status).toBe(401);
    }
    // A MAC under another key is refused; one signed with the signing key (as initial access
    // tokens were before they were MAC'd) still registers.
    const foreign = await new SignJWT({ ...decodeJwt(iat), jti: randomToken(16) })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(crypto.getRandomValues(new Uint8Array(32)));
    expect((await register(foreign, { software_id: 'haapi-template-client' })).status).toBe(401);
    const signed = await signJwt(
      await loadKeySet(env.SIGNING_KEYS),
      { ...decodeJwt(iat), jti: randomToken(16) },
      'at+jwt',
    );
    expect((await register(signed, { software_id: 'haapi-template-client' })).status).toBe(201);
    expect((await register(iat, { software_id: 'haapi-template-client' })).status).toBe(201);
  });

  it("refuses an unknown template, a template without allow-without-attestation, and another registrar's template", async () => {
    const unknown = await register(await initialAccessToken(), { software_id: 'no-such-template' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as Registration).error).toBe('invalid_client_metadata');
    const strict = await register(await initialAccessToken(), {
      software_id: await insertTemplate('haapi-android-client', { allowWithoutAttestation: false }),
    });
    expect(strict.status).toBe(400);
    expect(((await strict.json()) as Registration).error).toBe('invalid_client_metadata');
    const other = await register(await initialAccessToken(), {
      software_id: await insertTemplate('someone-else'),
    });
    expect(other.status).toBe(400);
    expect(((await other.json()) as Registration).error).toBe('unapproved_software_statement');
    const noBody = await call(REGISTRATION, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${await initialAccessToken()}`,
      },
      body: '{',
    });
    expect(((await noBody.json()) as Registration).error).toBe('invalid_client_metadata');
  });

  it('only a registrar gets an initial access token; an access token without dcr cannot register', async () => {
    const denied = await post(
      TOKEN,
      { grant_type: 'client_credentials', scope: 'dcr' },
      { Authorization: basic('demo-backend', 'Password1') },
    );
    expect(((await denied.json()) as TokenBody).error).toBe('unauthorized_client');
    const plain = (
      (await (
        await post(
          TOKEN,
          { grant_type: 'client_credentials' },
          { Authorization: basic('demo-backend', 'Password1') },
        )
      ).json()) as TokenBody
    ).access_token;
    const res = await register(plain, { software_id: 'haapi-template-client' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as Registration).error).toBe('insufficient_scope');
  });

  it("a registrar's yes is remembered per isolate, a no is not: a new template applies at once", async () => {
    const ask = async () =>
      post(
        TOKEN,
        { grant_type: 'client_credentials', scope: 'dcr' },
        { Authorization: basic('demo-backend', 'Password1') },
      );
    expect((await ask()).status).toBe(400);
    const template = await insertTemplate('demo-backend');
    expect((await ask()).status).toBe(200);
    // Disabled in D1 behind the isolate's back: the remembered yes holds for CLIENT_CACHE_TTL,
    // and a change through this isolate (forgetClient) ends it.
    await env.DB.prepare('UPDATE clients SET disabled = 1 WHERE client_id = ?')
      .bind(template)
      .run();
    expect((await ask()).status).toBe(200);
    forgetClient();
    const refused = await ask();
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as TokenBody).error).toBe('unauthorized_client');
  });

  it('binds the dynamic client to its device key: registration key, or the first AAT key (trust on first use)', async () => {
    const key = await dpopKey();
    const bound = (await (
      await register(await initialAccessToken(), { software_id: 'haapi-template-client' }, key)
    ).json()) as Registration;
    const stolen = await aat(bound.client_id, bound.client_secret, await dpopKey());
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as TokenBody).error).toBe('invalid_dpop_proof');

    const tofu = (await (
      await register(await initialAccessToken(), { software_id: 'haapi-template-client' })
    ).json()) as Registration;
    const first = await dpopKey();
    expect((await aat(tofu.client_id, tofu.client_secret, first)).status).toBe(200);
    expect((await aat(tofu.client_id, tofu.client_secret, await dpopKey())).status).toBe(400);
    expect((await aat(tofu.client_id, tofu.client_secret, first)).status).toBe(200);
  });

  it('re-registration from the same device key returns the same client with new credentials', async () => {
    const key = await dpopKey();
    const one = (await (
      await register(await initialAccessToken(), { software_id: 'haapi-template-client' }, key)
    ).json()) as Registration;
    const res = await register(
      await initialAccessToken(),
      { software_id: 'haapi-template-client' },
      key,
    );
    expect(res.status).toBe(201);
    const two = (await res.json()) as Registration;
    expect(two.client_id).toBe(one.client_id);
    expect(two.client_secret).not.toBe(one.client_secret);
    // The old secret still works (the answer may not have arrived) until the new one is used.
    expect((await aat(one.client_id, one.client_secret, key)).status).toBe(200);
    expect((await aat(two.client_id, two.client_secret, key)).status).toBe(200);
    expect((await aat(one.client_id, one.client_secret, key)).status).toBe(401);
  });

  it('10 concurrent registrations from one device key: one client, every answer names it', async () => {
    const template = await insertTemplate('haapi-android-client');
    const key = await dpopKey();
    const iats = await Promise.all(Array.from({ length: 10 }, () => initialAccessToken()));
    const results = await Promise.all(
      iats.map((iat) => register(iat, { software_id: template }, key)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const ids = await clientIds(results);
    expect(new Set(ids).size).toBe(1);
    expect(await clientsOf(template)).toBe(1);
  });

  it('50 concurrent registrations from distinct devices: 50 clients, none lost, none duplicated', async () => {
    const template = await insertTemplate('haapi-android-client');
    const iats = await Promise.all(Array.from({ length: 50 }, () => initialAccessToken()));
    const keys = await Promise.all(Array.from({ length: 50 }, () => dpopKey()));
    const results = await Promise.all(
      iats.map((iat, i) => register(iat, { software_id: template }, keys[i])),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const ids = await clientIds(results);
    expect(new Set(ids).size).toBe(50);
    expect(await clientsOf(template)).toBe(50);
  });

  it('the template quota holds, also under concurrency, and a refused registration leaves nothing behind', async () => {
    const template = await insertTemplate('haapi-android-client', { maxClients: 3 });
    const iats = await Promise.all(Array.from({ length: 8 }, () => initialAccessToken()));
    const results = await Promise.all(iats.map((iat) => register(iat, { software_id: template })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.status === 403);
    expect(refused).toHaveLength(5);
    expect(((await refused[0]?.json()) as Registration).error).toBe('access_denied');
    expect(await clientsOf(template)).toBe(3);
  });

  it("the quota reads the template's count, which deletions and the Cron purge move back, and which re-applying schema.sql restores", async () => {
    const template = await insertTemplate('haapi-android-client', {
      maxClients: 2,
      lifetimeSeconds: 3600,
    });
    const counted = async () =>
      (
        await env.DB.prepare('SELECT clients FROM template_client_counts WHERE template_id = ?')
          .bind(template)
          .first<{ clients: number }>()
      )?.clients;
    const registered = async () =>
      (await (
        await register(await initialAccessToken(), { software_id: template })
      ).json()) as Registration;
    const one = await registered();
    const two = await registered();
    expect(await counted()).toBe(2);
    expect((await register(await initialAccessToken(), { software_id: template })).status).toBe(
      403,
    );
    // RFC 7592 deletion frees a place.
    const auth = { Authorization: `Bearer ${one.registration_access_token}` };
    expect(
      (await call(one.registration_client_uri, { method: 'DELETE', headers: auth })).status,
    ).toBe(204);
    expect(await counted()).toBe(1);
    const three = await registered();
    expect(three.client_id).toMatch(/^dyn-/);
    // The Cron purge frees places too.
    await env.DB.prepare('UPDATE clients SET expires_at = ? WHERE client_id IN (?, ?)')
      .bind(Math.floor(Date.now() / 1000) - 1, two.client_id, three.client_id)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController(), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await counted()).toBe(0);
    // A database whose clients were registered before the count existed: applying schema.sql
    // fills it in once.
    await registered();
    await env.DB.prepare('DELETE FROM template_client_counts WHERE template_id = ?')
      .bind(template)
      .run();
    await applySql(env.DB, env.TEST_SCHEMA_SQL);
    expect(await counted()).toBe(1);
    await applySql(env.DB, env.TEST_SCHEMA_SQL);
    expect(await counted()).toBe(1);
  });

  it('rate limits registrations per IP with 429 and Retry-After', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 200)}`;
    const template = await insertTemplate('haapi-android-client');
    let last: Response | undefined;
    for (let i = 0; i < 31; i++)
      last = await register(await initialAccessToken(), { software_id: template }, undefined, ip);
    expect(last?.status).toBe(429);
    // The rest of the one-minute window that began with this IP's first registration.
    const retryAfter = Number(last?.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await last?.json()) as Registration).error).toBe('slow_down');
  });
});

describe('DCR with stronger main-client credentials: cal by-provisioned-key', () => {
  const FINGERPRINT = 'c'.repeat(64);

  it('mTLS (tls_client_auth from cf.tlsClientAuth) → dynamic client with cal by-provisioned-key', async () => {
    const registrar = await insertRegistrar({
      token_endpoint_auth_method: 'tls_client_auth',
      tls_subject_dn: 'CN=device-7,O=Example',
    });
    const template = await insertTemplate(registrar);
    const cert = {
      certPresented: '1',
      certVerified: 'SUCCESS',
      certRevoked: '0',
      certSubjectDNRFC2253: 'CN=device-7,O=Example',
      certIssuerDNRFC2253: 'CN=CA',
      certFingerprintSHA256: FINGERPRINT,
    };
    const iatRes = await mtlsInitialAccessToken(registrar, cert);
    expect(iatRes.status).toBe(200);
    const key = await dpopKey();
    const iat = ((await iatRes.json()) as TokenBody).access_token;
    // The initial access token is bound to the certificate: without it, registration is refused.
    expect((await register(iat, { software_id: template }, key)).status).toBe(401);
    const reg = (await (
      await register(iat, { software_id: template }, key, undefined, cert)
    ).json()) as Registration;
    const row = await env.DB.prepare(
      'SELECT registration_cal, registered_by FROM clients WHERE client_id = ?',
    )
      .bind(reg.client_id)
      .first<Record<string, string>>();
    expect(row?.registration_cal).toBe('by-provisioned-key');
    expect(row?.registered_by).toMatch(/^x5t#S256:/);
    const token = (await (await aat(reg.client_id, reg.client_secret, key)).json()) as TokenBody;
    expect(decodeJwt(token.access_token)).toMatchObject({ cal: 'by-provisioned-key' });

    const unverified = await mtlsInitialAccessToken(registrar, {
      ...cert,
      certVerified: 'FAILED:unable to verify',
    });
    expect(unverified.status).toBe(401);
  });

  it('private_key_jwt (RS256 as in the seed) → cal by-provisioned-key; an expired assertion is refused', async () => {
    const key = await signingKey('RS256');
    const registrar = await insertRegistrar({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: JSON.stringify({ keys: [key.jwk] }),
    });
    const template = await insertTemplate(registrar);
    const assertion = (exp: number) =>
      new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid as string })
        .setIssuer(registrar)
        .setSubject(registrar)
        .setAudience(ISSUER)
        .setExpirationTime(exp)
        .sign(key.privateKey);
    const iatRes = await post(TOKEN, {
      grant_type: 'client_credentials',
      scope: 'dcr',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await assertion(Math.floor(Date.now() / 1000) + 60),
    });
    expect(iatRes.status).toBe(200);
    expect(decodeJwt(((await iatRes.clone().json()) as TokenBody).access_token)).toMatchObject({
      scope: 'dcr',
      reg_cal: 'by-provisioned-key',
      reg_cred: 'private_key_jwt:k-RS256',
    });
    const device = await dpopKey();
    const reg = (await (
      await register(
        ((await iatRes.json()) as TokenBody).access_token,
        { software_id: template },
        device,
      )
    ).json()) as Registration;
    const token = (await (await aat(reg.client_id, reg.client_secret, device)).json()) as TokenBody;
    expect(decodeJwt(token.access_token)).toMatchObject({ cal: 'by-provisioned-key' });
    const expired = await post(TOKEN, {
      grant_type: 'client_credentials',
      scope: 'dcr',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await assertion(Math.floor(Date.now() / 1000) - 120),
    });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as TokenBody).error).toBe('invalid_client');
  });
});

describe('Client management (RFC 7592)', () => {
  it('reads, updates (rotating the registration access token) and deletes a dynamic client', async () => {
    const reg = (await (
      await register(await initialAccessToken(), { software_id: 'haapi-template-client' })
    ).json()) as Registration;
    const auth = { Authorization: `Bearer ${reg.registration_access_token}` };
    const read = await call(reg.registration_client_uri, { headers: auth });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      client_id: reg.client_id,
      software_id: 'haapi-template-client',
    });
    const update = await call(reg.registration_client_uri, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: reg.client_id, client_name: 'My phone' }),
    });
    expect(update.status).toBe(200);
    const updated = (await update.json()) as Registration & { client_name: string };
    expect(updated.client_name).toBe('My phone');
    expect(updated.registration_access_token).not.toBe(reg.registration_access_token);
    expect((await call(reg.registration_client_uri, { headers: auth })).status).toBe(401);
    const newAuth = { Authorization: `Bearer ${updated.registration_access_token}` };
    const badUpdate = await call(reg.registration_client_uri, {
      method: 'PUT',
      headers: { ...newAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'other' }),
    });
    expect(badUpdate.status).toBe(400);
    expect(
      (await call(reg.registration_client_uri, { method: 'DELETE', headers: newAuth })).status,
    ).toBe(204);
    expect((await call(reg.registration_client_uri, { headers: newAuth })).status).toBe(401);
    expect((await aat(reg.client_id, reg.client_secret, await dpopKey())).status).toBe(401);
  });

  it('the Cron trigger purges dynamic clients past their lifetime', async () => {
    const template = await insertTemplate('haapi-android-client', { lifetimeSeconds: 3600 });
    const reg = (await (
      await register(await initialAccessToken(), { software_id: template })
    ).json()) as Registration;
    await env.DB.prepare('UPDATE clients SET expires_at = ? WHERE client_id = ?')
      .bind(Math.floor(Date.now() / 1000) - 1, reg.client_id)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController(),
      { ...env, ATTESTATION_STATUS_URL: '' } as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(
      await env.DB.prepare('SELECT 1 FROM clients WHERE client_id = ?').bind(reg.client_id).first(),
    ).toBeNull();
  });
});

describe('demo secret hashing', () => {
  it('generated secrets are stored as salted SHA-256', async () => {
    expect(await hashGeneratedSecret(randomToken())).toMatch(/^sha256\$/);
  });
});

describe('Minimum client assurance and device certificates from one CA', () => {
  it('a client with min_cal refuses a login whose AAT has a lower cal', async () => {
    const template = await insertTemplate('haapi-android-client');
    await env.DB.prepare("UPDATE clients SET min_cal = 'by-provisioned-key' WHERE client_id = ?")
      .bind(template)
      .run();
    const key = await dpopKey();
    const reg = (await (
      await register(await initialAccessToken(), { software_id: template }, key)
    ).json()) as Registration;
    // The dynamic client inherits the template's minimum.
    const row = await env.DB.prepare('SELECT min_cal FROM clients WHERE client_id = ?')
      .bind(reg.client_id)
      .first<{ min_cal: string }>();
    expect(row?.min_cal).toBe('by-provisioned-key');
    const token = ((await (await aat(reg.client_id, reg.client_secret, key)).json()) as TokenBody)
      .access_token;
    const app = new HaapiTestClient((r) => call(r.url, r), token, key);
    const { url } = await authorizationRequest(reg.client_id, { state: 's' });
    const res = await app.request(url);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      type: 'https://curity.se/problems/error-authorization-response',
      error: 'access_denied',
      error_description:
        'This request needs a client assurance level of at least by-provisioned-key',
    });
  });

  it('a main client trusting a CA (subject CN=*) authenticates every device certificate it issued', async () => {
    const registrar = await insertRegistrar({
      token_endpoint_auth_method: 'tls_client_auth',
      tls_subject_dn: 'CN=*,O=Devices',
      tls_issuer_dn: 'CN=Device CA,O=Example',
    });
    await insertTemplate(registrar);
    const creds = new Set<string>();
    for (const device of ['a', 'b']) {
      const cert = {
        certPresented: '1',
        certVerified: 'SUCCESS',
        certRevoked: '0',
        certSubjectDNRFC2253: `CN=phone-${device},O=Devices`,
        certIssuerDNRFC2253: 'CN=Device CA,O=Example',
        certFingerprintSHA256: device.repeat(64),
      };
      const res = await mtlsInitialAccessToken(registrar, cert);
      expect(res.status).toBe(200);
      creds.add(String(decodeJwt(((await res.json()) as TokenBody).access_token).reg_cred));
    }
    expect(creds.size).toBe(2);
    const other = {
      certPresented: '1',
      certVerified: 'SUCCESS',
      certRevoked: '0',
      certSubjectDNRFC2253: 'CN=phone-c,O=Elsewhere',
      certIssuerDNRFC2253: 'CN=Device CA,O=Example',
      certFingerprintSHA256: 'd'.repeat(64),
    };
    const refused = await mtlsInitialAccessToken(registrar, other);
    expect(refused.status).toBe(401);
  });
});

describe('DCR metadata and client authentication a Curity SDK may use (#21)', () => {
  it.each([
    [
      { token_endpoint_auth_method: 'private_key_jwt' },
      'invalid_client_metadata',
      'token_endpoint_auth_method',
    ],
    [{ jwks: { keys: [] } }, 'invalid_client_metadata', 'jwks is not honoured'],
    [
      { jwks_uri: 'https://device.example/jwks' },
      'invalid_client_metadata',
      'jwks_uri is not honoured',
    ],
    [
      { redirect_uris: ['https://evil.example/cb'] },
      'invalid_redirect_uri',
      "must be among the template's",
    ],
  ])('metadata it would not honour is refused, not ignored: %j', async (extra, error, text) => {
    const res = await register(await initialAccessToken(), {
      software_id: 'haapi-template-client',
      ...extra,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe(error);
    expect(body.error_description).toContain(text);
  });

  it('metadata it honours is accepted: its own secret methods and the template redirect URIs', async () => {
    const res = await register(await initialAccessToken(), {
      software_id: 'haapi-template-client',
      token_endpoint_auth_method: 'client_secret_post',
      redirect_uris: ['app://haapi'],
    });
    expect(res.status).toBe(201);
  });

  it('a dynamic client authenticates with client_secret_post as well as Basic', async () => {
    const key = await dpopKey();
    const reg = (await (
      await register(await initialAccessToken(), { software_id: 'haapi-template-client' }, key)
    ).json()) as Registration;
    const res = await post(
      TOKEN,
      {
        grant_type: 'client_credentials',
        scope: HAAPI,
        client_id: reg.client_id,
        client_secret: reg.client_secret,
      },
      { DPoP: await dpopProof(key, { htu: TOKEN }) },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as TokenBody).token_type).toBe('DPoP');
  });
});

describe('Template settings: device-generated keys (private_key_jwt) and key pinning (#21)', () => {
  async function deviceKeyPair() {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'device-1', alg: 'ES256' };
    return { privateKey: pair.privateKey, jwk };
  }
  async function assertionFor(clientId: string, privateKey: CryptoKey) {
    return new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'device-1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(ISSUER)
      .setExpirationTime('1m')
      .sign(privateKey);
  }
  /** The AAT request of `clientId` with an assertion signed by `privateKey`, and a DPoP proof. */
  async function aatWithAssertion(clientId: string, privateKey: CryptoKey, key: DpopKey) {
    return post(
      TOKEN,
      {
        grant_type: 'client_credentials',
        scope: HAAPI,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertionFor(clientId, privateKey),
      },
      { DPoP: await dpopProof(key, { htu: TOKEN }) },
    );
  }

  it('a device registers its own public key, gets no secret, and authenticates with assertions it signs', async () => {
    const template = await insertTemplate('haapi-android-client', {
      capabilities: { deviceJwks: true },
    });
    const device = await deviceKeyPair();
    const key = await dpopKey();
    const res = await register(
      await initialAccessToken(),
      {
        software_id: template,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [device.jwk] },
      },
      key,
    );
    expect(res.status).toBe(201);
    const reg = (await res.json()) as Registration & Record<string, unknown>;
    expect(reg.client_secret).toBeUndefined();
    expect(reg).toMatchObject({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [device.jwk] },
    });
    const ok = await aatWithAssertion(reg.client_id, device.privateKey, key);
    expect(ok.status).toBe(200);
    expect(decodeJwt(((await ok.json()) as TokenBody).access_token).cal).toBe('none');
    // Another key's assertion, or the right assertion with another DPoP key, is refused.
    const other = await deviceKeyPair();
    const forged = await aatWithAssertion(reg.client_id, other.privateKey, key);
    expect(forged.status).toBe(401);
    const wrongDevice = await aatWithAssertion(reg.client_id, device.privateKey, await dpopKey());
    expect(wrongDevice.status).toBe(400);
    // Registering again from the device key replaces the key: same client, the new key works.
    const again = (await (
      await register(
        await initialAccessToken(),
        {
          software_id: template,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [other.jwk] },
        },
        key,
      )
    ).json()) as Registration;
    expect(again.client_id).toBe(reg.client_id);
    expect((await aatWithAssertion(reg.client_id, other.privateKey, key)).status).toBe(200);
    expect((await aatWithAssertion(reg.client_id, device.privateKey, key)).status).toBe(401);
  });

  it.each([
    [{ jwks: { keys: [] } }, 'exactly one public key'],
    [{ jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }] } }, 'public key only'],
    [{ jwks: { keys: [{ kty: 'EC', crv: 'P-384', x: 'a', y: 'b' }] } }, 'P-256'],
    [{ jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }] } }, 'does not import'],
    [{ token_endpoint_auth_method: 'client_secret_basic', jwks: { keys: [] } }, 'go together'],
    [{ token_endpoint_auth_method: 'private_key_jwt' }, 'go together'],
  ])('refuses device keys it cannot use: %j', async (extra, text) => {
    const template = await insertTemplate('haapi-android-client', {
      capabilities: { deviceJwks: true },
    });
    const res = await register(await initialAccessToken(), {
      software_id: template,
      ...('jwks' in extra && !('token_endpoint_auth_method' in extra)
        ? { token_endpoint_auth_method: 'private_key_jwt' }
        : {}),
      ...extra,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_client_metadata');
    expect(body.error_description).toContain(text);
  });

  it('a template with pinDeviceKey false lets a dynamic client use any DPoP key', async () => {
    const template = await insertTemplate('haapi-android-client', {
      capabilities: { pinDeviceKey: false },
    });
    const reg = (await (
      await register(await initialAccessToken(), { software_id: template }, await dpopKey())
    ).json()) as Registration;
    expect((await aat(reg.client_id, reg.client_secret, await dpopKey())).status).toBe(200);
    expect((await aat(reg.client_id, reg.client_secret, await dpopKey())).status).toBe(200);
    // The demo template pins: the second key is refused.
    const key = await dpopKey();
    const pinned = (await (
      await register(await initialAccessToken(), { software_id: 'haapi-template-client' }, key)
    ).json()) as Registration;
    expect((await aat(pinned.client_id, pinned.client_secret, key)).status).toBe(200);
    expect((await aat(pinned.client_id, pinned.client_secret, await dpopKey())).status).toBe(400);
  });
});
