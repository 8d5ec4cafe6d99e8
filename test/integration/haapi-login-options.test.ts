// Login options through the Worker run with other settings: account registration, the password
// pepper (and the upgrade of older hashes), the debug attributes step, and the claims mapping.
import { createExecutionContext, env } from 'cloudflare:test';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/crypto/random';
import { hashGeneratedSecret, hashPassword } from '../../src/crypto/secret-hash';
import worker from '../../src/index';
import { basic } from '../support/clients';
import { type DpopKey, dpopKey, dpopProof } from '../support/dpop';
import {
  action,
  authorizationRequest,
  HaapiTestClient,
  insertSecretHaapiClient,
} from '../support/haapi-client';
import { ISSUER } from '../support/worker';

const TOKEN_URL = `${ISSUER}/oauth/v2/oauth-token`;
const PEPPER = 'a-pepper-for-tests-that-is-long-enough-0123456789';
let clientId: string;
const secret = randomToken();

function withSettings(vars: Record<string, string>) {
  const testEnv = { ...env, ...vars } as Env;
  const fetch = async (request: Request) =>
    worker.fetch(
      request as unknown as Request<unknown, IncomingRequestCfProperties>,
      testEnv,
      createExecutionContext(),
    );
  async function form(url: string, body: Record<string, string>, headers: Record<string, string>) {
    return fetch(
      new Request(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body),
      }),
    );
  }
  return {
    async login(): Promise<{
      app: HaapiTestClient;
      key: DpopKey;
      verifier: string;
      authorizeUrl: string;
    }> {
      const key = await dpopKey();
      const res = await form(
        TOKEN_URL,
        { grant_type: 'client_credentials', scope: 'urn:se:curity:scopes:haapi' },
        {
          Authorization: basic(clientId, secret),
          DPoP: await dpopProof(key, { htu: TOKEN_URL }),
          'CF-Connecting-IP': crypto.randomUUID(),
        },
      );
      const aat = ((await res.json()) as { access_token: string }).access_token;
      const { url, verifier } = await authorizationRequest(clientId, {
        scope: 'openid profile email',
      });
      return { app: new HaapiTestClient(fetch, aat, key), key, verifier, authorizeUrl: url };
    },
    async redeem(code: string, verifier: string, key: DpopKey) {
      const res = await form(
        TOKEN_URL,
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: 'app://haapi',
          code_verifier: verifier,
        },
        {
          Authorization: basic(clientId, secret),
          DPoP: await dpopProof(key, { htu: TOKEN_URL }),
        },
      );
      expect(res.status).toBe(200);
      return (await res.json()) as { access_token: string; id_token: string };
    },
  };
}

const codeOf = (result: { body: { properties?: Record<string, string> } }) =>
  result.body.properties?.code as string;

beforeAll(async () => {
  clientId = await insertSecretHaapiClient(await hashGeneratedSecret(secret));
});

describe('Login options', () => {
  it('registration-step creates an account (peppered hash) and signs it in; a taken username is invalid-input', async () => {
    const server = withSettings({ PASSWORD_PEPPER: PEPPER });
    const { app, key, verifier, authorizeUrl } = await server.login();
    const first = await app.request(authorizeUrl);
    const link = first.body.links?.find((l) => l.rel === 'register-create');
    expect(link).toBeDefined();
    const registration = await app.request(link?.href as string);
    expect(registration.body.type).toBe('registration-step');
    const username = `new-${crypto.randomUUID()}`;
    const done = await app.follow(
      await app.submit(action(registration.body, 'user-register'), {
        userName: username,
        password: 'Long-enough-1',
        email: 'new@example.com',
      }),
    );
    expect(done.body.type).toBe('oauth-authorization-response');
    const row = await env.DB.prepare(
      'SELECT subject, password_hash FROM accounts WHERE username = ?',
    )
      .bind(username)
      .first<{ subject: string; password_hash: string }>();
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256-peppered\$100000\$/);
    const tokens = await server.redeem(codeOf(done), verifier, key);
    expect(decodeJwt(tokens.id_token)).toMatchObject({
      sub: row?.subject,
      email: 'new@example.com',
      email_verified: false,
    });

    const again = await server.login();
    const page = await again.app.request(
      (await again.app.request(again.authorizeUrl)).body.links?.find(
        (l) => l.rel === 'register-create',
      )?.href as string,
    );
    const taken = await again.app.submit(action(page.body, 'user-register'), {
      userName: username,
      password: 'Long-enough-1',
    });
    expect(taken.status).toBe(400);
    expect(taken.body).toMatchObject({
      type: 'https://curity.se/problems/invalid-input',
      invalidFields: [{ name: 'userName', reason: 'invalidValue' }],
    });
    const short = await again.app.submit(action(page.body, 'user-register'), {
      userName: `x-${crypto.randomUUID()}`,
      password: 'short',
    });
    expect(short.body).toMatchObject({
      invalidFields: [{ name: 'password', reason: 'invalidValue' }],
    });
  });

  it('an older hash is upgraded to the pepper at the next login, and still verifies after', async () => {
    const username = `legacy-${crypto.randomUUID()}`;
    await env.DB.prepare('INSERT INTO accounts (subject, username, password_hash) VALUES (?, ?, ?)')
      .bind(crypto.randomUUID(), username, await hashPassword('Legacy-pass-1'))
      .run();
    const server = withSettings({ PASSWORD_PEPPER: PEPPER });
    for (let i = 0; i < 2; i++) {
      const { app, authorizeUrl } = await server.login();
      const first = await app.request(authorizeUrl);
      const done = await app.follow(
        await app.submit(action(first.body, 'login'), {
          userName: username,
          password: 'Legacy-pass-1',
        }),
      );
      expect(done.body.type).toBe('oauth-authorization-response');
      const row = await env.DB.prepare('SELECT password_hash FROM accounts WHERE username = ?')
        .bind(username)
        .first<{ password_hash: string }>();
      expect(row?.password_hash).toMatch(/^pbkdf2-sha256-peppered\$/);
    }
  });

  it('DEBUG_LOGIN_ATTRIBUTES shows the collected attributes, cal included, before completing', async () => {
    const server = withSettings({ DEBUG_LOGIN_ATTRIBUTES: 'true' });
    const { app, authorizeUrl } = await server.login();
    const first = await app.request(authorizeUrl);
    const debug = await app.submit(action(first.body, 'login'), {
      userName: 'demo',
      password: 'Password1',
    });
    expect(debug.body).toMatchObject({
      type: 'authentication-step',
      metadata: { viewName: 'authenticator/debug/attributes' },
      properties: {
        subject: 'demo',
        acr: 'urn:se:curity:authentication:html-form:htmlform',
        amr: 'pwd',
        cal: 'none',
      },
    });
    const done = await app.submit(action(debug.body, 'continue'));
    expect(done.body.type).toBe('oauth-authorization-response');
  });

  it('the CLAIMS mapping decides which claims each token carries (cal always)', async () => {
    const server = withSettings({
      CLAIMS: JSON.stringify({
        access_token: { openid: ['acr'] },
        id_token: { openid: ['amr'], profile: ['name'] },
      }),
    });
    const { app, key, verifier, authorizeUrl } = await server.login();
    const first = await app.request(authorizeUrl);
    const done = await app.follow(
      await app.submit(action(first.body, 'login'), { userName: 'demo', password: 'Password1' }),
    );
    const tokens = await server.redeem(codeOf(done), verifier, key);
    const access = decodeJwt(tokens.access_token);
    expect(access.acr).toBe('urn:se:curity:authentication:html-form:htmlform');
    expect(access).not.toHaveProperty('amr');
    // `cal` is not the mapping's to leave out: every token of a user login carries it.
    expect(access.cal).toBe('none');
    const id = decodeJwt(tokens.id_token);
    expect(id).toMatchObject({ amr: ['pwd'], name: 'Demo User', cal: 'none' });
    expect(id).not.toHaveProperty('acr');
    expect(id).not.toHaveProperty('email');
  });
});

describe('Authenticator selector', () => {
  it('with two authenticators the flow starts with an authenticator-selector, and each option leads to its step', async () => {
    const server = withSettings({
      AUTHENTICATORS: JSON.stringify([
        { id: 'pw', type: 'password' },
        { id: 'pw2', type: 'password', registration: true },
      ]),
    });
    const { app, authorizeUrl } = await server.login();
    const first = await app.request(authorizeUrl);
    expect(first.body.type).toBe('authentication-step');
    const selector = first.body.actions?.[0];
    expect(selector).toMatchObject({ template: 'selector', kind: 'authenticator-selector' });
    const options = selector?.template === 'selector' ? selector.model.options : [];
    expect(options.map((o) => [o.kind, o.properties?.authenticatorType])).toEqual([
      ['select-authenticator', 'html-form'],
      ['select-authenticator', 'html-form'],
    ]);
    const second = await app.submit(options[1] as (typeof options)[number]);
    expect(second.body.type).toBe('authentication-step');
    expect(second.body.links?.map((l) => l.rel)).toEqual(['register-create']);
    const done = await app.follow(
      await app.submit(action(second.body, 'login'), { userName: 'demo', password: 'Password1' }),
    );
    expect(done.body.type).toBe('oauth-authorization-response');
  });
});
