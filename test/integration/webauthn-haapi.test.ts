// The WebAuthn authenticator through the Worker, as HAAPI apps see it (docs/haapi-protocol.md §5):
// an attested iOS app gets the webauthn-registration / webauthn-authentication client operations
// and posts `PublicKeyCredential.toJSON()` results as JSON; so does an Android app (with its
// apk-key-hash origin); an app that cannot run them follows the error action to an
// external-browser-flow and resumes with `_resume_nonce`. Ceremonies are answered by a software
// authenticator (test/support/soft-authenticator.ts); devices land in real D1.
import { createExecutionContext, env } from 'cloudflare:test';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { getSettings } from '../../src/config/settings';
import { encodeBase64Url } from '../../src/crypto/base64url';
import { randomToken } from '../../src/crypto/random';
import { hashGeneratedSecret } from '../../src/crypto/secret-hash';
import type { ClientOperationAction, FormAction } from '../../src/haapi/representations/types';
import worker from '../../src/index';
import { attestedApps } from '../support/attested-apps';
import { dpopProof } from '../support/dpop';
import {
  action,
  authorizationRequest,
  type HaapiResult,
  HaapiTestClient,
} from '../support/haapi-client';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { ANY_DEVICE, PASSKEYS } from '../support/webauthn-config';
import {
  newAccount as newWebauthnAccount,
  operation,
  rpOrigin,
  startOn,
  toPrerequisite,
} from '../support/webauthn-flow';
import { ISSUER } from '../support/worker';

const COOKIE = 'webauthn_platform_webauthn';

let apps: Awaited<ReturnType<typeof attestedApps>>;
let origin: string;

beforeAll(async () => {
  apps = await attestedApps({
    AUTHENTICATORS: JSON.stringify([{ id: 'pw', type: 'password' }, PASSKEYS, ANY_DEVICE]),
  });
  origin = rpOrigin(apps.env);
});

const newAccount = () => newWebauthnAccount('wa', { name: 'Web Authn' });

/** Starts a login and picks the authenticator `id` in the selector. */
async function start(app: HaapiTestClient, id = 'webauthn', headers: Record<string, string> = {}) {
  const { option, step, verifier } = await startOn(app, clientOf(app), id, headers);
  expect(option.properties?.authenticatorType).toBe(id === 'pw' ? 'html-form' : 'webauthn');
  return { step, verifier };
}

const clients = new WeakMap<HaapiTestClient, string>();
function clientOf(app: HaapiTestClient): string {
  return clients.get(app) as string;
}
async function ios() {
  const app = await apps.ios();
  clients.set(app, apps.iosClient);
  return app;
}
async function android() {
  const app = await apps.android();
  clients.set(app, apps.androidClient);
  return app;
}

/** Posts `{<field>: credential}` as JSON to the operation's continue action. */
function postCredential(
  app: HaapiTestClient,
  op: ClientOperationAction,
  field: string,
  credential: unknown,
  headers: Record<string, string> = {},
): Promise<HaapiResult> {
  const next = op.model.continueActions[0] as FormAction;
  expect(next.model).toMatchObject({ method: 'POST', type: 'application/json' });
  expect(next.model.fields?.map((f) => [f.name, f.type])).toContainEqual([field, 'context']);
  return app.request(
    next.model.href,
    'POST',
    { type: 'application/json', text: JSON.stringify({ [field]: credential }) },
    headers,
  );
}

function idOf(authenticator: SoftAuthenticator, i = 0): string {
  return encodeBase64Url((authenticator.credentials[i] as { id: Uint8Array }).id);
}

async function devicesOf(subject: string) {
  return (
    await env.DB.prepare('SELECT * FROM webauthn_devices WHERE subject = ? ORDER BY created_at')
      .bind(subject)
      .all<Record<string, unknown>>()
  ).results;
}

async function redeem(app: HaapiTestClient, done: HaapiResult, verifier: string) {
  const tokenUrl = `${ISSUER}/oauth/v2/oauth-token`;
  const res = await apps.fetch(
    new Request(tokenUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        DPoP: await dpopProof(app.key, { htu: tokenUrl }),
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: done.body.properties?.code as string,
        redirect_uri: 'app://haapi',
        code_verifier: verifier,
        client_id: clientOf(app),
      }),
    }),
  );
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; id_token: string };
}

/** Registers a device for `account` through the prerequisite password login; returns the result. */
async function registerDuringLogin(
  app: HaapiTestClient,
  account: { username: string },
  authenticator: SoftAuthenticator,
) {
  const { step, verifier } = await start(app);
  const identified = await toPrerequisite(app, step.body);
  const registration = await app.submit(action(identified.body, 'login'), {
    userName: account.username,
    password: 'Password1',
  });
  expect(registration.body.type).toBe('registration-step');
  const op = operation(registration.body, 'webauthn-registration');
  const publicKey = (
    op.model.arguments.credentialCreationOptions as {
      publicKey: PublicKeyCredentialCreationOptionsJSON;
    }
  ).publicKey;
  const credential = await authenticator.create(publicKey);
  const done = await app.follow(await postCredential(app, op, 'credential', credential));
  return { op, publicKey, done, verifier };
}

describe('WebAuthn for an attested iOS app: client operations', () => {
  it('registration during login: prerequisite password, webauthn-registration arguments, the device stored, acr/amr', async () => {
    const app = await ios();
    const account = await newAccount();
    const { op, publicKey, done, verifier } = await registerDuringLogin(
      app,
      account,
      new SoftAuthenticator({ origin, attachment: 'platform' }),
    );
    expect((op.model.errorActions?.[0] as FormAction).model.href).toMatch(
      /_force_external_browser_flow=true$/,
    );
    expect(publicKey).toMatchObject({
      rp: { id: 'localhost' },
      user: { name: account.username, displayName: 'Web Authn' },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
    expect(publicKey.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(done.body.type).toBe('oauth-authorization-response');
    expect(done.headers.get('Set-Cookie') ?? '').toBe('');
    const [device] = await devicesOf(account.subject);
    expect(device).toMatchObject({
      device_type: 'platform',
      counter: 0,
      aaguid: '00000000-0000-0000-0000-000000000000',
      backup_eligible: 0,
      transports: '["internal"]',
    });
    expect(device?.created_at).toBeTypeOf('number');
    const tokens = await redeem(app, done, verifier);
    expect(decodeJwt(tokens.access_token).acr).toBe(
      'urn:se:curity:authentication:webauthn:webauthn',
    );
    expect(decodeJwt(tokens.id_token).amr).toEqual(['pwd', 'hwk', 'mfa']);
  });

  it('acr_values naming the WebAuthn authenticator still reaches its password prerequisite', async () => {
    const app = await ios();
    const account = await newAccount();
    const { url } = await authorizationRequest(clientOf(app), {
      acr_values: 'urn:se:curity:authentication:webauthn:webauthn',
    });
    // The only authenticator the request allows: no selector, straight to its login step.
    const login = await app.request(url);
    expect(login.body.metadata?.viewName).toBe('authenticator/webauthn/authenticate/get');
    const prerequisite = await toPrerequisite(app, login.body);
    expect(action(prerequisite.body, 'login').model.href).toMatch(/\/pw$/);
    const registration = await app.submit(action(prerequisite.body, 'login'), {
      userName: account.username,
      password: 'Password1',
    });
    expect(operation(registration.body, 'webauthn-registration')).toBeDefined();
    // Once the prerequisite is done, the password authenticator is not this flow's to run.
    const other = await app.request(action(prerequisite.body, 'login').model.href);
    expect(other.status).toBe(400);
  });

  it('username-less passkey login with a discoverable credential; the counter and last use move', async () => {
    const account = await newAccount();
    const authenticator = new SoftAuthenticator({ origin, attachment: 'platform' });
    await registerDuringLogin(await ios(), account, authenticator);
    const app = await ios();
    const { step, verifier } = await start(app);
    const op = operation(step.body, 'webauthn-authentication');
    const publicKey = (
      op.model.arguments.credentialRequestOptions as {
        publicKey: PublicKeyCredentialRequestOptionsJSON;
      }
    ).publicKey;
    expect(publicKey.allowCredentials ?? []).toEqual([]);
    expect(publicKey).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    const done = await app.follow(
      await postCredential(app, op, 'credential', await authenticator.get(publicKey)),
    );
    expect(done.body.type).toBe('oauth-authorization-response');
    const [device] = await devicesOf(account.subject);
    expect(device).toMatchObject({ counter: 1 });
    expect(device?.last_used_at).toBeTypeOf('number');
    const tokens = await redeem(app, done, verifier);
    expect(decodeJwt(tokens.id_token)).toMatchObject({ sub: account.subject, amr: ['hwk', 'mfa'] });
  });

  it('a security key login asks to register a built-in device; each answer is kept as it should be', async () => {
    const account = await newAccount();
    const key = new SoftAuthenticator({ origin, attachment: 'cross-platform' });
    await registerDuringLogin(await ios(), account, key);
    async function keyLogin(headers: Record<string, string> = {}) {
      const app = await ios();
      const { step } = await start(app, 'webauthn', headers);
      const auth = await app.submit(action(step.body, 'login'), { userName: account.username });
      const op = operation(auth.body, 'webauthn-authentication');
      const publicKey = (
        op.model.arguments.credentialRequestOptions as {
          publicKey: PublicKeyCredentialRequestOptionsJSON;
        }
      ).publicKey;
      expect(publicKey.allowCredentials?.map((c) => c.id)).toEqual([idOf(key)]);
      return {
        app,
        result: await postCredential(app, op, 'credential', await key.get(publicKey), headers),
      };
    }
    // "No, not now": signed in, asked again next time.
    let { app, result } = await keyLogin();
    expect(result.body.metadata?.viewName).toBe(
      'authenticator/webauthn/ask-to-register-platform-device',
    );
    expect(result.body.actions?.map((a) => a.kind)).toEqual([
      'device-register',
      'not-now',
      'dont-ask-browser',
      'dont-ask',
    ]);
    let done = await app.follow(await app.submit(action(result.body, 'not-now')));
    expect(done.body.type).toBe('oauth-authorization-response');
    // "Don't ask me again for this browser": the platform-device cookie; with it, no prompt.
    ({ app, result } = await keyLogin());
    const answered = await app.submit(action(result.body, 'dont-ask-browser'));
    expect(answered.headers.get('Set-Cookie')).toMatch(
      new RegExp(`^${COOKIE}=1; Max-Age=34560000; Path=/; HttpOnly; Secure; SameSite=Lax`),
    );
    ({ app, result } = await keyLogin({ Cookie: `${COOKIE}=1` }));
    expect(result.body.type).toBe('redirection-step');
    // Without the cookie (another browser) it is asked again; "Don't ask me again" is kept on
    // the account, for every browser.
    ({ app, result } = await keyLogin());
    expect(result.body.metadata?.viewName).toBe(
      'authenticator/webauthn/ask-to-register-platform-device',
    );
    done = await app.follow(await app.submit(action(result.body, 'dont-ask')));
    expect(done.body.type).toBe('oauth-authorization-response');
    const row = await env.DB.prepare('SELECT attributes FROM accounts WHERE subject = ?')
      .bind(account.subject)
      .first<{ attributes: string }>();
    expect(JSON.parse(row?.attributes ?? '{}')).toMatchObject({
      name: 'Web Authn',
      'webauthn.dontAskToRegisterAdditionalPlatformDevice': true,
    });
    ({ app, result } = await keyLogin());
    expect(result.body.type).toBe('redirection-step');
  });

  it('answering "register a built-in device" registers a platform device and sets the cookie', async () => {
    const account = await newAccount();
    const key = new SoftAuthenticator({ origin, attachment: 'cross-platform' });
    await registerDuringLogin(await ios(), account, key);
    const app = await ios();
    const { step } = await start(app);
    const auth = await app.submit(action(step.body, 'login'), { userName: account.username });
    const authOp = operation(auth.body, 'webauthn-authentication');
    const request = (
      authOp.model.arguments.credentialRequestOptions as {
        publicKey: PublicKeyCredentialRequestOptionsJSON;
      }
    ).publicKey;
    const ask = await postCredential(app, authOp, 'credential', await key.get(request));
    const registration = await app.submit(action(ask.body, 'device-register'));
    expect(registration.body.type).toBe('registration-step');
    const op = operation(registration.body, 'webauthn-registration');
    expect(Object.keys(op.model.arguments)).toEqual(['platformCredentialCreationOptions']);
    const publicKey = (
      op.model.arguments.platformCredentialCreationOptions as {
        publicKey: PublicKeyCredentialCreationOptionsJSON;
      }
    ).publicKey;
    expect(publicKey.authenticatorSelection?.authenticatorAttachment).toBe('platform');
    // The security key is excluded: it is registered already.
    expect(publicKey.excludeCredentials?.map((c) => c.id)).toEqual([idOf(key)]);
    const built = new SoftAuthenticator({ origin, attachment: 'platform' });
    const done = await postCredential(app, op, 'platformCredential', await built.create(publicKey));
    expect(done.headers.get('Set-Cookie')).toMatch(new RegExp(`^${COOKIE}=1;`));
    expect((await app.follow(done)).body.type).toBe('oauth-authorization-response');
    expect((await devicesOf(account.subject)).map((d) => d.device_type)).toEqual([
      'cross-platform',
      'platform',
    ]);
  });

  it('any-device mode: built-in and security-key option sets, and platform/cross-platform descriptors', async () => {
    const account = await newAccount();
    let app = await ios();
    let { step } = await start(app, 'keys');
    // any-device mode offers no username-less ceremony, only the username form.
    expect(step.body.actions?.some((a) => a.template === 'client-operation')).toBe(false);
    const password = await toPrerequisite(app, step.body);
    const registration = await app.submit(action(password.body, 'login'), {
      userName: account.username,
      password: 'Password1',
    });
    const op = operation(registration.body, 'webauthn-registration');
    const args = op.model.arguments as Record<
      string,
      { publicKey: PublicKeyCredentialCreationOptionsJSON }
    >;
    expect(Object.keys(args).sort()).toEqual([
      'crossPlatformCredentialCreationOptions',
      'platformCredentialCreationOptions',
    ]);
    expect(args.platformCredentialCreationOptions?.publicKey.authenticatorSelection).toMatchObject({
      authenticatorAttachment: 'platform',
      userVerification: 'preferred',
    });
    expect(
      args.crossPlatformCredentialCreationOptions?.publicKey.authenticatorSelection,
    ).toMatchObject({
      authenticatorAttachment: 'cross-platform',
      userVerification: 'preferred',
    });
    expect((op.model.continueActions[0] as FormAction).model.fields?.map((f) => f.name)).toEqual([
      'platformCredential',
      'crossPlatformCredential',
    ]);
    // A security key without user verification is fine in any-device mode.
    const key = new SoftAuthenticator({
      origin,
      attachment: 'cross-platform',
      userVerification: false,
    });
    const credential = await key.create(
      args.crossPlatformCredentialCreationOptions
        ?.publicKey as PublicKeyCredentialCreationOptionsJSON,
    );
    expect(
      (await app.follow(await postCredential(app, op, 'crossPlatformCredential', credential))).body
        .type,
    ).toBe('oauth-authorization-response');
    expect((await devicesOf(account.subject)).map((d) => d.device_type)).toEqual([
      'cross-platform',
    ]);
    app = await ios();
    ({ step } = await start(app, 'keys'));
    const auth = await app.submit(action(step.body, 'login'), { userName: account.username });
    const authOp = operation(auth.body, 'webauthn-authentication');
    expect(authOp.model.arguments.platformCredentials).toEqual([]);
    expect(authOp.model.arguments.crossPlatformCredentials).toEqual([
      { type: 'public-key', id: idOf(key), transports: ['usb'] },
    ]);
  });
});

function credentialOptions<T>(op: ClientOperationAction, name: string): T {
  return (op.model.arguments[name] as { publicKey: T }).publicKey;
}

/** A browser-side page of a flow: its CSRF token and the options of its WebAuthn section. */
/** Opens an external-browser-flow link (`target`: `redirect_uri=…` or `for_origin=…`) as a browser. */
async function openExternal(href: string, target: string) {
  const opened = await apps.fetch(new Request(`${href}&${target}`, { redirect: 'manual' }));
  expect(opened.status).toBe(303);
  return {
    cookie: (opened.headers.get('Set-Cookie') ?? '').split(';')[0] as string,
    location: opened.headers.get('Location') as string,
  };
}

async function browserPage(href: string, cookie: string) {
  const res = await apps.fetch(new Request(new URL(href, ISSUER), { headers: { Cookie: cookie } }));
  expect(res.status).toBe(200);
  const html = await res.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] as string;
  const json = /<script type="application\/json" class="webauthn-options">(.*?)<\/script>/s.exec(
    html,
  )?.[1];
  return {
    html,
    csrf,
    data: JSON.parse(json ?? 'null') as {
      ceremony: string;
      choices: { field: string; options: PublicKeyCredentialRequestOptionsJSON }[];
    },
  };
}

/** The external-browser-flow of a step whose client operation the app cannot run. */
async function externalOperation(app: HaapiTestClient, step: HaapiResult) {
  const native = (step.body.actions ?? []).find(
    (a): a is ClientOperationAction => a.template === 'client-operation',
  ) as ClientOperationAction;
  const fallback = native.model.errorActions?.[0] as FormAction;
  expect(fallback.model.href).toMatch(/_force_external_browser_flow=true$/);
  return operation((await app.submit(fallback)).body, 'external-browser-flow');
}

describe('WebAuthn for an Android app: client operations, and the external-browser-flow', () => {
  it('runs the ceremonies natively with its apk-key-hash origin', async () => {
    const androidOrigin = getSettings(
      apps.env as unknown as Record<string, unknown>,
    ).relyingParty.origins.find((o) => o.startsWith('android:apk-key-hash:')) as string;
    expect(androidOrigin).toBeDefined();
    const account = await newAccount();
    const authenticator = new SoftAuthenticator({ origin: androidOrigin, attachment: 'platform' });
    const registered = await registerDuringLogin(await android(), account, authenticator);
    expect(registered.done.body.type).toBe('oauth-authorization-response');
    const app = await android();
    const { step, verifier } = await start(app);
    const op = operation(step.body, 'webauthn-authentication');
    const done = await app.follow(
      await postCredential(
        app,
        op,
        'credential',
        await authenticator.get(
          credentialOptions<PublicKeyCredentialRequestOptionsJSON>(op, 'credentialRequestOptions'),
        ),
      ),
    );
    expect(done.body.type).toBe('oauth-authorization-response');
    expect(decodeJwt((await redeem(app, done, verifier)).id_token).sub).toBe(account.subject);
  });

  it('continues the flow in the browser and resumes it with _resume_nonce', async () => {
    const account = await newAccount();
    const authenticator = new SoftAuthenticator({ origin, attachment: 'platform' });
    await registerDuringLogin(await ios(), account, authenticator);
    const app = await android();
    const { step, verifier } = await start(app);
    const op = await externalOperation(app, step);
    const href = op.model.arguments.href as string;
    expect(href.startsWith(`${ISSUER}/authn/`)).toBe(true);
    const resume = op.model.continueActions[0] as FormAction;
    expect(resume.model.fields).toEqual([{ name: '_resume_nonce', type: 'context' }]);
    // Not a registered redirect URI: refused, and the token is still good.
    const wrong = await apps.fetch(new Request(`${href}&redirect_uri=app://other`));
    expect(wrong.status).toBe(400);
    // The app opens the browser with its redirect URI.
    const { cookie, location } = await openExternal(
      href,
      `redirect_uri=${encodeURIComponent('app://haapi')}`,
    );
    expect(cookie).toMatch(/^haapi_flow=/);
    // The link is single-use.
    expect(
      (await apps.fetch(new Request(`${href}&redirect_uri=app://haapi`, { redirect: 'manual' })))
        .status,
    ).toBe(400);
    // In the browser: the passkey page, then the username-less ceremony.
    const page = await browserPage(location, cookie);
    expect(page.data.ceremony).toBe('get');
    const options = page.data.choices[0]?.options as PublicKeyCredentialRequestOptionsJSON;
    const posted = await apps.fetch(
      new Request(new URL(location, ISSUER), {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: page.csrf,
          credential: JSON.stringify(await authenticator.get(options)),
        }),
      }),
    );
    expect(posted.status).toBe(303);
    const back = new URL(posted.headers.get('Location') as string);
    expect(`${back.protocol}//${back.host}`).toBe('app://haapi');
    const nonce = back.searchParams.get('_resume_nonce') as string;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // A wrong nonce is invalid input; the right one resumes the flow.
    const bad = await app.submit(resume, { _resume_nonce: 'not-the-nonce' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      type: 'https://curity.se/problems/invalid-input',
      invalidFields: [{ name: '_resume_nonce', reason: 'invalidValue' }],
    });
    const done = await app.follow(await app.submit(resume, { _resume_nonce: nonce }));
    expect(done.body.type).toBe('oauth-authorization-response');
    const tokens = await redeem(app, done, verifier);
    expect(decodeJwt(tokens.id_token)).toMatchObject({ sub: account.subject, amr: ['hwk', 'mfa'] });
  });

  it('a browser app (for_origin) gets the nonce by postMessage to its origin only', async () => {
    const account = await newAccount();
    const authenticator = new SoftAuthenticator({ origin, attachment: 'platform' });
    await registerDuringLogin(await ios(), account, authenticator);
    // A HAAPI client without attestation (client secret), with one allowed origin.
    const clientId = `webauthn-spa-${crypto.randomUUID()}`;
    const secret = randomToken(32);
    await env.DB.prepare(
      `INSERT INTO clients (client_id, client_type, secret_hash, token_endpoint_auth_method, grant_types, scopes, redirect_uris, allowed_origins, capabilities, dpop_required)
       VALUES (?, 'confidential', ?, 'client_secret_basic', '["authorization_code","client_credentials"]', 'openid', '["app://haapi"]', '["https://spa.example"]', '{"code":true,"haapi":true,"allowWithoutAttestation":true}', 1)`,
    )
      .bind(clientId, await hashGeneratedSecret(secret))
      .run();
    const app = await HaapiTestClient.withSecret(apps.fetch, clientId, secret);
    clients.set(app, clientId);
    const { step } = await start(app);
    const op = await externalOperation(app, step);
    const href = op.model.arguments.href as string;
    const refused = await apps.fetch(new Request(`${href}&for_origin=https://other.example`));
    expect(refused.status).toBe(400);
    const { cookie, location } = await openExternal(
      href,
      `for_origin=${encodeURIComponent('https://spa.example')}`,
    );
    const page = await browserPage(location, cookie);
    const posted = await apps.fetch(
      new Request(new URL(location, ISSUER), {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: page.csrf,
          credential: JSON.stringify(
            await authenticator.get(
              page.data.choices[0]?.options as PublicKeyCredentialRequestOptionsJSON,
            ),
          ),
        }),
      }),
    );
    expect(posted.status).toBe(200);
    const html = await posted.text();
    const sent = /window\.opener\.postMessage\("([A-Za-z0-9_-]+)", "https:\/\/spa\.example"\)/.exec(
      html,
    );
    expect(sent, html).not.toBeNull();
    expect(posted.headers.get('Content-Security-Policy')).toMatch(/script-src 'nonce-/);
    const resume = op.model.continueActions[0] as FormAction;
    const done = await app.follow(await app.submit(resume, { _resume_nonce: sent?.[1] as string }));
    expect(done.body.type).toBe('oauth-authorization-response');
  });

  it('an iOS app that cannot run the operation follows its error action to the external browser', async () => {
    const app = await ios();
    const { step } = await start(app);
    const op = operation(step.body, 'webauthn-authentication');
    const forced = await app.submit(op.model.errorActions?.[0] as FormAction);
    const external = operation(forced.body, 'external-browser-flow');
    expect(external.model.arguments.href).toMatch(/\/webauthn\/external\?token=/);
  });
});

describe('Bad and replayed WebAuthn responses', () => {
  async function registrationStep() {
    const account = await newAccount();
    const app = await ios();
    const { step } = await start(app);
    const password = await toPrerequisite(app, step.body);
    const registration = await app.submit(action(password.body, 'login'), {
      userName: account.username,
      password: 'Password1',
    });
    const op = operation(registration.body, 'webauthn-registration');
    return {
      account,
      app,
      op,
      publicKey: credentialOptions<PublicKeyCredentialCreationOptionsJSON>(
        op,
        'credentialCreationOptions',
      ),
    };
  }

  it('a wrong origin, a missing user verification (passkeys mode) or a malformed credential store nothing', async () => {
    const { account, app, op, publicKey } = await registrationStep();
    const good = new SoftAuthenticator({ origin, attachment: 'platform' });
    const wrongOrigin = await postCredential(
      app,
      op,
      'credential',
      await good.create(publicKey, { origin: 'https://evil.example' }),
    );
    expect(wrongOrigin.status).toBe(400);
    expect(wrongOrigin.contentType).toBe('application/problem+json');
    expect(wrongOrigin.body.type).toBe('https://curity.se/problems/authentication-failed');
    const noUv = new SoftAuthenticator({ origin, userVerification: false });
    const refused = await postCredential(app, op, 'credential', await noUv.create(publicKey));
    expect(refused.status).toBe(400);
    expect(refused.body.type).toBe('https://curity.se/problems/authentication-failed');
    const malformed = await postCredential(app, op, 'credential', { id: 1 });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({
      type: 'https://curity.se/problems/invalid-input',
      invalidFields: [{ name: 'credential', reason: 'invalidValue' }],
    });
    const missing = await app.request(
      (op.model.continueActions[0] as FormAction).model.href,
      'POST',
      { type: 'application/json', text: '{}' },
    );
    expect(missing.body).toMatchObject({
      invalidFields: [{ name: 'credential', reason: 'missing' }],
    });
    expect(await devicesOf(account.subject)).toEqual([]);
    // The step is still there: a good response registers.
    const credential = await good.create(publicKey);
    const done = await postCredential(app, op, 'credential', credential);
    expect(done.status).toBe(200);
    // The same response again: the flow has moved on, nothing more is stored.
    const replay = await postCredential(app, op, 'credential', credential);
    expect(replay.status).toBe(400);
    expect(await devicesOf(account.subject)).toHaveLength(1);
  });

  it('an assertion replayed into another flow, or a counter that went back, is refused', async () => {
    const account = await newAccount();
    const authenticator = new SoftAuthenticator({ origin, attachment: 'platform' });
    await registerDuringLogin(await ios(), account, authenticator);
    const first = await ios();
    const { step } = await start(first);
    const op = operation(step.body, 'webauthn-authentication');
    const assertion = await authenticator.get(
      credentialOptions<PublicKeyCredentialRequestOptionsJSON>(op, 'credentialRequestOptions'),
    );
    expect((await postCredential(first, op, 'credential', assertion)).status).toBe(200);
    const second = await ios();
    const other = operation((await start(second)).step.body, 'webauthn-authentication');
    const replay = await postCredential(second, other, 'credential', assertion);
    expect(replay.status).toBe(400);
    expect(replay.body.type).toBe('https://curity.se/problems/authentication-failed');
    // A cloned authenticator: its counter is behind the stored one.
    (authenticator.credentials[0] as { counter: number }).counter -= 1;
    const cloned = await postCredential(
      second,
      other,
      'credential',
      await authenticator.get(credentialOptions(other, 'credentialRequestOptions')),
    );
    expect(cloned.status).toBe(400);
    expect((await devicesOf(account.subject))[0]).toMatchObject({ counter: 1 });
  });
});

describe('App association files', () => {
  function call(path: string, vars: Record<string, string> = {}) {
    return worker.fetch(
      new Request(`${ISSUER}${path}`) as unknown as Request<unknown, IncomingRequestCfProperties>,
      { ...apps.env, ...vars } as Env,
      createExecutionContext(),
    );
  }

  it('are generated from the attestation policies (app ids, package names and fingerprints)', async () => {
    const apple = await call('/.well-known/apple-app-site-association', {
      APP_LINK_PATHS: '["/app/callback/*"]',
    });
    expect(apple.status).toBe(200);
    expect(apple.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(await apple.json()).toEqual({
      applinks: {
        details: [
          { appIDs: ['TEAMID1234.io.curity.haapidemo'], components: [{ '/': '/app/callback/*' }] },
        ],
      },
      webcredentials: { apps: ['TEAMID1234.io.curity.haapidemo'] },
    });
    const android = await call('/.well-known/assetlinks.json', {
      ANDROID_ASSET_LINKS: 'generated',
    });
    expect(await android.json()).toEqual([
      {
        relation: [
          'delegate_permission/common.handle_all_urls',
          'delegate_permission/common.get_login_creds',
        ],
        target: {
          namespace: 'android_app',
          package_name: 'io.curity.haapidemo',
          sha256_cert_fingerprints: [Array(32).fill('01').join(':')],
        },
      },
    ]);
  });

  it("the demo configuration serves its app's development signing digest", async () => {
    const res = await call('/.well-known/assetlinks.json', {
      ANDROID_ASSET_LINKS: env.TEST_DEMO_ASSET_LINKS,
    });
    const [statement] = (await res.json()) as {
      target: { package_name: string; sha256_cert_fingerprints: string[] };
    }[];
    expect(statement?.target.package_name).toBe('io.curity.haapidemo');
    expect(statement?.target.sha256_cert_fingerprints).toEqual([Array(32).fill('AB').join(':')]);
  });

  it('can be disabled (404 problem) or replaced by a static document', async () => {
    const disabled = await call('/.well-known/assetlinks.json', {
      ANDROID_ASSET_LINKS: 'disabled',
    });
    expect(disabled.status).toBe(404);
    expect(disabled.headers.get('Content-Type')).toBe('application/problem+json');
    const document = { webcredentials: { apps: ['ABCDE12345.com.example.static'] } };
    const replaced = await call('/.well-known/apple-app-site-association', {
      APPLE_APP_SITE_ASSOCIATION: JSON.stringify(document),
    });
    expect(await replaced.json()).toEqual(document);
    const bad = await call('/.well-known/apple-app-site-association', {
      APPLE_APP_SITE_ASSOCIATION: 'sometimes',
    });
    // A bad value is a configuration error, named in the log, never served.
    expect(bad.status).toBe(500);
    expect(await bad.json()).toEqual({
      error: 'server_error',
      error_description: 'The server is misconfigured',
    });
  });
});

describe('Device management (/webauthn/devices)', () => {
  async function signedIn() {
    const account = await newAccount();
    const app = await ios();
    const { done, verifier } = await registerDuringLogin(
      app,
      account,
      new SoftAuthenticator({ origin, attachment: 'platform' }),
    );
    const tokens = await redeem(app, done, verifier);
    let nonce: string | null = null;
    async function call(method: string, path: string, body?: unknown) {
      const url = `${ISSUER}${path}`;
      for (let attempt = 0; ; attempt++) {
        const res = await apps.fetch(
          new Request(url, {
            method,
            headers: {
              Authorization: `DPoP ${tokens.access_token}`,
              DPoP: await dpopProof(app.key, {
                htm: method,
                htu: url,
                accessToken: tokens.access_token,
                nonce,
              }),
              ...(body ? { 'Content-Type': 'application/json' } : {}),
            },
            body: body ? JSON.stringify(body) : undefined,
          }),
        );
        nonce = res.headers.get('DPoP-Nonce') ?? nonce;
        if (res.status !== 401 || attempt > 0 || !res.headers.get('DPoP-Nonce')) return res;
      }
    }
    return { account, call };
  }

  it('lists, renames and deletes the account’s own devices; others’ are not found', async () => {
    const { account, call } = await signedIn();
    const other = await signedIn();
    // The model's name comes from the FIDO metadata of its AAGUID, when known.
    await env.DB.prepare(
      "INSERT INTO webauthn_metadata (aaguid, description) VALUES ('00000000-0000-0000-0000-000000000000', 'Test soft authenticator')",
    ).run();
    const list = await call('GET', '/webauthn/devices');
    await env.DB.prepare('DELETE FROM webauthn_metadata').run();
    expect(list.status).toBe(200);
    const { devices } = (await list.json()) as { devices: Record<string, unknown>[] };
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({
      type: 'platform',
      name: null,
      model: 'Test soft authenticator',
      transports: ['internal'],
    });
    const id = devices[0]?.id as string;
    const renamed = await call('PATCH', `/webauthn/devices/${id}`, { name: ' Work laptop ' });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ id, name: 'Work laptop' });
    const bad = await call('PATCH', `/webauthn/devices/${id}`, { name: '' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_request');
    // Another account cannot see or delete it.
    expect((await other.call('DELETE', `/webauthn/devices/${id}`)).status).toBe(404);
    expect((await other.call('PATCH', `/webauthn/devices/${id}`, { name: 'x' })).status).toBe(404);
    expect((await call('DELETE', `/webauthn/devices/${id}`)).status).toBe(204);
    expect(await devicesOf(account.subject)).toEqual([]);
    expect((await call('DELETE', `/webauthn/devices/${id}`)).status).toBe(404);
  });

  it('needs an access token', async () => {
    const res = await apps.fetch(new Request(`${ISSUER}/webauthn/devices`));
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_token');
  });
});

describe('Security review (#17): what a username and a child flow may reveal or do', () => {
  async function identify(username: string) {
    const app = await ios();
    const { step } = await start(app);
    const res = await app.submit(action(step.body, 'login'), { userName: username });
    expect(res.status).toBe(200);
    const op = operation(res.body, 'webauthn-authentication');
    const publicKey = (
      op.model.arguments.credentialRequestOptions as {
        publicKey: PublicKeyCredentialRequestOptionsJSON;
      }
    ).publicKey;
    return { app, res, op, ids: (publicKey.allowCredentials ?? []).map((c) => c.id) };
  }

  it('#17.5 an unknown username, or one without devices, gets an authenticate step with made-up, stable credential ids', async () => {
    const unknown = `nobody-${crypto.randomUUID()}`;
    const first = await identify(unknown);
    expect(first.res.body.type).toBe('authentication-step');
    expect(first.ids).toHaveLength(1);
    expect(first.ids[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The same name always gets the same ids (asking twice tells nothing); another name others.
    expect((await identify(unknown.toUpperCase())).ids).toEqual(first.ids);
    expect((await identify(`nobody-${crypto.randomUUID()}`)).ids).not.toEqual(first.ids);
    const withoutDevice = await newAccount();
    const noDevice = await identify(withoutDevice.username);
    expect(noDevice.ids).toHaveLength(1);
    expect(Object.keys(noDevice.res.body)).toEqual(Object.keys(first.res.body));
    // A real device's id for an account with one.
    const account = await newAccount();
    const authenticator = new SoftAuthenticator({ origin, attachment: 'platform' });
    await registerDuringLogin(await ios(), account, authenticator);
    const real = await identify(account.username);
    const [stored] = (
      await env.DB.prepare('SELECT credential_id FROM webauthn_devices WHERE subject = ?')
        .bind(account.subject)
        .all<{ credential_id: string }>()
    ).results;
    expect(real.ids).toEqual([stored?.credential_id]);
    // Answering a made-up step with a real passkey of another account signs nobody in.
    const options = (
      first.op.model.arguments.credentialRequestOptions as {
        publicKey: PublicKeyCredentialRequestOptionsJSON;
      }
    ).publicKey;
    const forged = await postCredential(
      first.app,
      first.op,
      'credential',
      await authenticator.get({ ...options, allowCredentials: [] }),
    );
    expect(forged.status).toBe(400);
    expect(forged.body.type).toBe('https://curity.se/problems/authentication-failed');
  });

  it('#17.17 the external browser flow runs only the authenticator its operation named', async () => {
    const app = await android();
    const { step } = await start(app);
    const op = await externalOperation(app, step);
    const href = op.model.arguments.href as string;
    const { cookie, location } = await openExternal(
      href,
      `redirect_uri=${encodeURIComponent('app://haapi')}`,
    );
    expect(location.endsWith('/webauthn')).toBe(true);
    const password = location.replace(/\/webauthn$/, '/pw');
    const get = (path: string) =>
      apps.fetch(
        new Request(new URL(path, ISSUER), { headers: { Cookie: cookie }, redirect: 'manual' }),
      );
    // The password authenticator on its own is not this flow's to run ...
    expect((await get(password)).status).toBe(400);
    // ... only as the prerequisite of registering a device with the named one.
    const register = await get(`${location}/register`);
    expect([200, 303]).toContain(register.status);
    expect((await get(password)).status).toBe(200);
  });

  it('#17.17 acr_values picks the authenticator', async () => {
    const app = await ios();
    const { url } = await authorizationRequest(apps.iosClient, {
      acr_values: 'urn:se:curity:authentication:html-form:htmlform',
    });
    const first = await app.request(url);
    // Only the password authenticator has that ACR: no selector, its login form at once.
    expect(first.body.actions?.some((a) => a.template === 'selector')).toBe(false);
    expect(action(first.body, 'login').model.href.endsWith('/pw')).toBe(true);
    // An ACR that no authenticator has cannot be met: an error, not ignored.
    const other = await app.request(
      (await authorizationRequest(apps.iosClient, { acr_values: 'urn:example:unknown' })).url,
    );
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({
      type: 'https://curity.se/problems/error-authorization-response',
      error: 'unmet_authentication_requirements',
    });
    // One it has among others it does not: that one is used.
    const mixed = await app.request(
      (
        await authorizationRequest(apps.iosClient, {
          acr_values: 'urn:example:unknown urn:se:curity:authentication:html-form:htmlform',
        })
      ).url,
    );
    expect(action(mixed.body, 'login').model.href.endsWith('/pw')).toBe(true);
  });
});

describe('WebAuthn attestation policies (#22)', () => {
  let policyApps: Awaited<ReturnType<typeof attestedApps>>;
  beforeAll(async () => {
    policyApps = await attestedApps({
      AUTHENTICATORS: JSON.stringify([
        { id: 'pw', type: 'password' },
        { ...PASSKEYS, id: 'trusted', attestation: 'direct', requireTrustedAttestation: true },
        {
          ...PASSKEYS,
          id: 'listed',
          attestation: 'indirect',
          allowedAaguids: ['00000000-0000-0000-0000-000000000000'],
        },
        {
          ...PASSKEYS,
          id: 'other-model',
          allowedAaguids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'],
        },
      ]),
    });
  });

  /** Registration during login on authenticator `id`: its operation, and the answer to it. */
  async function register(id: string) {
    const app = await policyApps.ios();
    const account = await newAccount();
    const { step } = await startOn(app, policyApps.iosClient, id);
    const password = await toPrerequisite(app, step.body);
    const registration = await app.submit(action(password.body, 'login'), {
      userName: account.username,
      password: 'Password1',
    });
    const op = operation(registration.body, 'webauthn-registration');
    const publicKey = credentialOptions<PublicKeyCredentialCreationOptionsJSON>(
      op,
      'credentialCreationOptions',
    );
    const authenticator = new SoftAuthenticator({
      origin: rpOrigin(policyApps.env),
      attachment: 'platform',
    });
    const answer = await postCredential(
      app,
      op,
      'credential',
      await authenticator.create(publicKey),
    );
    return { account, publicKey, answer };
  }

  it('asks for the configured conveyance, and refuses a device without trusted attestation', async () => {
    const { account, publicKey, answer } = await register('trusted');
    expect(publicKey.attestation).toBe('direct');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      type: 'https://curity.se/problems/authentication-failed',
      title: 'This security key or device cannot be used here. Register another one.',
    });
    expect(await devicesOf(account.subject)).toEqual([]);
  });

  it('an allow-listed AAGUID registers (indirect conveyance); another model is refused', async () => {
    const listed = await register('listed');
    expect(listed.publicKey.attestation).toBe('indirect');
    expect(listed.answer.status).toBe(200);
    expect(await devicesOf(listed.account.subject)).toHaveLength(1);
    const other = await register('other-model');
    expect(other.publicKey.attestation).toBe('none');
    expect(other.answer.status).toBe(400);
    expect(await devicesOf(other.account.subject)).toEqual([]);
  });
});
