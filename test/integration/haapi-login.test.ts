// The hypermedia login (docs/haapi-protocol.md §3–§6) through the Worker: authorize in HAAPI
// mode, the password step, problems, and the code redeemed at the token endpoint.
import { env, runInDurableObject } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/crypto/random';
import { hashGeneratedSecret, hashPassword } from '../../src/crypto/secret-hash';
import { authorizeInBrowser, Browser, logInOnPage } from '../support/browser';
import { basic } from '../support/clients';
import { type DpopKey, dpopKey, dpopProof } from '../support/dpop';
import {
  action,
  authorizationRequest,
  HaapiTestClient,
  insertSecretHaapiClient,
} from '../support/haapi-client';
import { ISSUER, post, type TokenBody } from '../support/worker';

const TOKEN_URL = `${ISSUER}/oauth/v2/oauth-token`;
const fetchWorker = (request: Request) =>
  exports.default.fetch(request as unknown as Request<unknown, IncomingRequestCfProperties>);

let clientId: string;
const secret = randomToken();

async function aatFor(key: DpopKey): Promise<string> {
  const res = await post(
    TOKEN_URL,
    { grant_type: 'client_credentials', scope: 'urn:se:curity:scopes:haapi' },
    {
      Authorization: basic(clientId, secret),
      DPoP: await dpopProof(key, { htu: TOKEN_URL }),
    },
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as TokenBody).access_token;
}

async function newApp(ip = crypto.randomUUID()): Promise<{
  app: HaapiTestClient;
  key: DpopKey;
  verifier: string;
  authorizeUrl: string;
  ip: string;
}> {
  const key = await dpopKey();
  const app = new HaapiTestClient(
    (r) => {
      r.headers.set('CF-Connecting-IP', ip);
      return fetchWorker(r);
    },
    await aatFor(key),
    key,
  );
  const { url, verifier } = await authorizationRequest(clientId, {
    scope: 'openid profile',
    state: 'st-1',
    nonce: 'n-1',
  });
  return { app, key, verifier, authorizeUrl: url, ip };
}

async function createAccount(username: string, password: string): Promise<void> {
  await env.DB.prepare('INSERT INTO accounts (subject, username, password_hash) VALUES (?, ?, ?)')
    .bind(crypto.randomUUID(), username, await hashPassword(password))
    .run();
}

beforeAll(async () => {
  clientId = await insertSecretHaapiClient(await hashGeneratedSecret(secret));
});

describe('HAAPI login with the password authenticator', () => {
  it('authorize → login → redirection → oauth-authorization-response → tokens with acr, amr, cal', async () => {
    const { app, key, verifier, authorizeUrl } = await newApp();
    const first = await app.request(authorizeUrl);
    expect(first.status).toBe(200);
    expect(first.contentType).toBe('application/vnd.auth+json');
    expect(first.headers.get('Set-Session-Id')).toMatch(/^[\w-]{35}$/);
    expect(first.body.type).toBe('authentication-step');
    const login = action(first.body, 'login');
    expect(login.model.fields?.map((f) => [f.name, f.type])).toEqual([
      ['userName', 'username'],
      ['password', 'password'],
    ]);

    const done = await app.follow(
      await app.submit(login, { userName: 'demo', password: 'Password1' }),
    );
    expect(done.body.type).toBe('oauth-authorization-response');
    const properties = done.body.properties as Record<string, string>;
    expect(properties).toMatchObject({ state: 'st-1', iss: ISSUER });
    const link = done.body.links?.find((l) => l.rel === 'authorization-response');
    expect(link?.href).toBe(
      `app://haapi?code=${encodeURIComponent(properties.code as string)}&iss=${encodeURIComponent(ISSUER)}&state=st-1`,
    );

    const tokens = await post(
      TOKEN_URL,
      {
        grant_type: 'authorization_code',
        code: properties.code as string,
        redirect_uri: 'app://haapi',
        code_verifier: verifier,
      },
      {
        Authorization: basic(clientId, secret),
        DPoP: await dpopProof(key, { htu: TOKEN_URL }),
      },
    );
    expect(tokens.status).toBe(200);
    const body = (await tokens.json()) as TokenBody;
    expect(decodeJwt(body.access_token)).toMatchObject({
      sub: 'demo',
      acr: 'urn:se:curity:authentication:html-form:htmlform',
      amr: ['pwd'],
      cal: 'none',
      cnf: { jkt: key.jkt },
    });
    expect(decodeJwt(body.id_token as string)).toMatchObject({
      sub: 'demo',
      nonce: 'n-1',
      cal: 'none',
    });
  });

  it('a wrong password is incorrect-credentials and the user stays on the step', async () => {
    const { app, authorizeUrl } = await newApp();
    const first = await app.request(authorizeUrl);
    const wrong = await app.submit(action(first.body, 'login'), {
      userName: 'demo',
      password: 'nope',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.contentType).toBe('application/problem+json');
    expect(wrong.body).toMatchObject({
      type: 'https://curity.se/problems/incorrect-credentials',
      title: 'Incorrect username or password',
    });
    const right = await app.follow(
      await app.submit(action(first.body, 'login'), { userName: 'demo', password: 'Password1' }),
    );
    expect(right.body.type).toBe('oauth-authorization-response');
  });

  it('a missing field is invalid-input with invalidFields', async () => {
    const { app, authorizeUrl } = await newApp();
    const first = await app.request(authorizeUrl);
    const res = await app.submit(action(first.body, 'login'), { userName: 'demo', password: '' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      type: 'https://curity.se/problems/invalid-input',
      invalidFields: [{ name: 'password', reason: 'missing' }],
    });
  });

  it('another AAT on the same session is mismatch-between-session-and-access-token; Session-Id may be left out', async () => {
    const { app, authorizeUrl } = await newApp();
    const first = await app.request(authorizeUrl);
    const other = await newApp();
    other.app.sessionId = app.sessionId;
    const res = await other.app.submit(action(first.body, 'login'), {
      userName: 'demo',
      password: 'Password1',
    });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe(
      'https://curity.se/problems/mismatch-between-session-and-access-token',
    );
    // Without Session-Id the flow's own AAT goes on (the id is in the URL, the key binds the flow),
    // as Curity's clients, which send none, expect; another AAT without it is still refused.
    const otherNoSession = new HaapiTestClient(fetchWorker, other.app.aat, other.app.key);
    const res2 = await otherNoSession.submit(action(first.body, 'login'), {
      userName: 'demo',
      password: 'Password1',
    });
    expect(res2.body.type).toBe(
      'https://curity.se/problems/mismatch-between-session-and-access-token',
    );
    const noSession = new HaapiTestClient(fetchWorker, app.aat, app.key);
    const res3 = await noSession.submit(action(first.body, 'login'), {
      userName: 'demo',
      password: 'Password1',
    });
    expect(res3.status).toBe(200);
    expect(res3.body.type).toBe('redirection-step');
  });

  it('a replayed DPoP proof is refused (401 invalid_dpop_proof)', async () => {
    const { app, key, authorizeUrl } = await newApp();
    const proof = await dpopProof(key, {
      htm: 'GET',
      htu: authorizeUrl.split('?')[0] as string,
      accessToken: app.aat,
    });
    const headers = {
      Accept: 'application/vnd.auth+json',
      Authorization: `DPoP ${app.aat}`,
      DPoP: proof,
    };
    expect((await fetchWorker(new Request(authorizeUrl, { headers }))).status).toBe(200);
    const replay = await fetchWorker(new Request(authorizeUrl, { headers }));
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_dpop_proof');
  });

  it('an expired flow is a generic-user-error problem', async () => {
    const { app, authorizeUrl } = await newApp();
    const first = await app.request(authorizeUrl);
    const stub = env.HAAPI_FLOW.get(env.HAAPI_FLOW.idFromName(app.sessionId as string));
    await runInDurableObject(stub, (_instance, state) =>
      state.storage.kv.put('expires_at', Date.now() - 1),
    );
    const res = await app.submit(action(first.body, 'login'), {
      userName: 'demo',
      password: 'Password1',
    });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('https://curity.se/problems/generic-user-error');
  });

  it('locks the account after MAX_FAILED_LOGINS failures (too-many-attempts), even with the right password', async () => {
    const username = `lock-${crypto.randomUUID()}`;
    await createAccount(username, 'Correct-horse-1');
    const { app, authorizeUrl } = await newApp();
    const first = await app.request(authorizeUrl);
    for (let i = 0; i < 5; i++) {
      const res = await app.submit(action(first.body, 'login'), {
        userName: username,
        password: 'wrong',
      });
      expect(res.body.type).toBe('https://curity.se/problems/incorrect-credentials');
    }
    const locked = await app.submit(action(first.body, 'login'), {
      userName: username,
      password: 'Correct-horse-1',
    });
    expect(locked.status).toBe(429);
    expect(locked.body.type).toBe('https://curity.se/problems/too-many-attempts');
  });

  it('a successful login clears earlier failures, and writes nothing when there are none', async () => {
    const username = `reset-${crypto.randomUUID()}`;
    await createAccount(username, 'Correct-horse-1');
    const row = () =>
      env.DB.prepare('SELECT failed_logins, updated_at FROM accounts WHERE username = ?')
        .bind(username)
        .first<{ failed_logins: number; updated_at: number }>();
    await env.DB.prepare('UPDATE accounts SET updated_at = 1 WHERE username = ?')
      .bind(username)
      .run();
    const login = async (password: string) => {
      const { app, authorizeUrl } = await newApp();
      const first = await app.request(authorizeUrl);
      return app.submit(action(first.body, 'login'), { userName: username, password });
    };
    expect((await login('Correct-horse-1')).status).toBe(200);
    expect(await row()).toEqual({ failed_logins: 0, updated_at: 1 }); // nothing to clear
    // Failures are counted in ReplayGuard (D1 only records a lockout): four, then a success ...
    for (let i = 0; i < 4; i++) expect((await login('wrong')).status).toBe(400);
    expect((await login('Correct-horse-1')).status).toBe(200);
    expect(await row()).toEqual({ failed_logins: 0, updated_at: 1 });
    // ... cleared them: four more failures still do not lock the account.
    for (let i = 0; i < 4; i++) expect((await login('wrong')).status).toBe(400);
    expect((await login('Correct-horse-1')).status).toBe(200);
  });

  it('limits attempts per IP', async () => {
    const { app, authorizeUrl } = await newApp('203.0.113.9');
    const first = await app.request(authorizeUrl);
    let last = 0;
    for (let i = 0; i < 51; i++)
      last = (
        await app.submit(action(first.body, 'login'), { userName: `nobody-${i}`, password: 'x' })
      ).status;
    expect(last).toBe(429);
  });

  it('of 20 concurrent submits to one step one wins, the others are refused, and one code is issued', async () => {
    const username = `burst-${crypto.randomUUID()}`;
    await createAccount(username, 'Correct-horse-1');
    const { app, authorizeUrl } = await newApp();
    const first = await app.request(authorizeUrl);
    const login = action(first.body, 'login');
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        app.submit(login, { userName: username, password: 'Correct-horse-1' }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    // The others lost the step (409) or, beyond MAX_FAILED_LOGINS attempts in flight, were not
    // even verified (429: an attempt counts until it is known to be right).
    const conflicts = results.filter((r) => r.status === 409).length;
    const unverified = results.filter((r) => r.status === 429).length;
    expect(conflicts + unverified).toBe(19);
    expect(conflicts).toBeGreaterThan(0);
    const done = await app.follow(winners[0] as (typeof results)[number]);
    expect(done.body.type).toBe('oauth-authorization-response');
    const again = await app.request(`/oauth/v2/oauth-authorize?flow=${app.sessionId}`);
    expect(again.status).toBe(400);
  });

  it('cancel ends the flow with access_denied', async () => {
    const { app, authorizeUrl } = await newApp();
    const first = await app.request(authorizeUrl);
    // A url-encoded POST without fields, titled for the SDKs' buttons.
    expect(action(first.body, 'cancel')).toMatchObject({
      title: 'Cancel',
      model: { method: 'POST', type: 'application/x-www-form-urlencoded', actionTitle: 'Cancel' },
    });
    const res = await app.submit(action(first.body, 'cancel'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      type: 'https://curity.se/problems/error-authorization-response',
      error: 'access_denied',
      state: 'st-1',
    });
  });

  it('HAAPI flows neither start nor use a browser single sign-on session', async () => {
    const browser = new Browser('198.51.100.41');
    const { location } = await authorizeInBrowser(browser, {
      id: 'haapi-web-client',
      redirect: 'http://localhost:5173/callback',
    });
    await logInOnPage(browser, location);
    const session = browser.cookies.get('haapi_sso') as string;
    expect(session).toBeTruthy();
    const { app, authorizeUrl } = await newApp();
    const cookie = { Cookie: `haapi_sso=${session}` };
    const none = await app.request(`${authorizeUrl}&prompt=none`, 'GET', undefined, cookie);
    expect(none.body).toMatchObject({ error: 'login_required' });
    const first = await app.request(authorizeUrl, 'GET', undefined, cookie);
    expect(first.body.type).toBe('authentication-step');
    const done = await app.follow(
      await app.submit(action(first.body, 'login'), { userName: 'demo', password: 'Password1' }),
    );
    expect(done.body.type).toBe('oauth-authorization-response');
    expect(done.headers.get('Set-Cookie') ?? '').not.toContain('haapi_sso');
  });

  it('authorize errors: unknown redirect_uri shown, missing PKCE redirected, prompt=none login_required', async () => {
    const { app, authorizeUrl } = await newApp();
    const url = new URL(authorizeUrl);
    url.searchParams.set('redirect_uri', 'app://evil');
    const shown = await app.request(url.href);
    expect(shown.status).toBe(400);
    expect(shown.body).toMatchObject({
      type: 'https://curity.se/problems/generic-user-error',
      error: 'invalid_request',
    });
    const noPkce = new URL(authorizeUrl);
    noPkce.searchParams.delete('code_challenge');
    const redirected = await app.request(noPkce.href);
    expect(redirected.body).toMatchObject({
      type: 'https://curity.se/problems/error-authorization-response',
      error: 'invalid_request',
      state: 'st-1',
    });
    const none = new URL(authorizeUrl);
    none.searchParams.set('prompt', 'none');
    expect((await app.request(none.href)).body).toMatchObject({ error: 'login_required' });
  });

  it('HAAPI calls without an AAT are 401', async () => {
    const { authorizeUrl } = await newApp();
    const res = await fetchWorker(
      new Request(authorizeUrl, { headers: { Accept: 'application/vnd.auth+json' } }),
    );
    expect(res.status).toBe(401);
  });
});
