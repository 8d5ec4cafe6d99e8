/**
 * The passkey login of `npm run bench`: a browser (HTML) login with the WebAuthn authenticator,
 * answered by a software authenticator holding a passkey registered for the demo account. It runs
 * on a second workerd (the same Worker with a WebAuthn authenticator beside the password one), so
 * that the other jobs keep their single-authenticator flows. A unit is what a browser does:
 * authorize → the authenticator selector → the passkey step → the assertion (form post) → resume
 * → the code exchange (a public client with PKCE): six requests.
 */
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { Miniflare } from 'miniflare';
import { encodeBase64Url } from '../src/crypto/base64url';
import { SoftAuthenticator } from '../test/support/soft-authenticator';

const REDIRECT_URI = 'https://bench.example/cb';
const CLIENT_ID = 'bench-web';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // RFC 7636 Appendix B

export interface PasskeyServer {
  mf: Miniflare;
  /** Where requests go (the Worker's own socket). */
  base: string;
  authenticator: SoftAuthenticator;
}

/** The second workerd, its D1 set up like the first, and a passkey for `demo` in it. */
export async function startPasskeyServer(options: {
  scriptPath: string;
  modulesRoot: string;
  bindings: Record<string, string>;
  port: number;
  setUpDb: (db: D1Database) => Promise<void>;
}): Promise<PasskeyServer> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const mf = new Miniflare({
    workers: [
      {
        name: 'main',
        modules: true,
        scriptPath: options.scriptPath,
        modulesRoot: options.modulesRoot,
        compatibilityDate: '2026-04-20',
        bindings: {
          ...options.bindings,
          ISSUER: issuer,
          AUTHENTICATORS: JSON.stringify([
            { id: 'pw', type: 'password' },
            {
              id: 'passkeys',
              type: 'webauthn',
              mode: 'passkeys-or-user-verifying-devices',
              askToRegisterAdditionalPlatformDevice: false,
            },
          ]),
        },
        d1Databases: ['DB'],
        unsafeDirectSockets: [{ host: '127.0.0.1', port: options.port }],
        durableObjects: {
          HAAPI_FLOW: { className: 'HaapiFlow', useSQLite: true },
          REPLAY_GUARD: { className: 'ReplayGuard', useSQLite: true },
        },
      },
    ],
    host: '127.0.0.1',
    port: options.port - 1,
  });
  await mf.ready;
  const base = (await mf.unsafeGetDirectURL('main')).origin;
  const db = (await mf.getD1Database('DB')) as unknown as D1Database;
  await options.setUpDb(db);
  await db
    .prepare(
      `INSERT INTO clients (client_id, client_type, token_endpoint_auth_method, grant_types, scopes, redirect_uris, capabilities) VALUES (?, 'public', 'none', '["authorization_code"]', 'openid', ?, '{"code":true}')`,
    )
    .bind(CLIENT_ID, JSON.stringify([REDIRECT_URI]))
    .run();
  // The passkey, registered as a login would have stored it (the relying party is the issuer's host).
  const authenticator = new SoftAuthenticator({ origin: issuer, attachment: 'platform' });
  await authenticator.create({
    rp: { id: '127.0.0.1', name: 'bench' },
    user: {
      id: encodeBase64Url(new TextEncoder().encode('demo')),
      name: 'demo',
      displayName: 'Demo',
    },
    challenge: encodeBase64Url(crypto.getRandomValues(new Uint8Array(32))),
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  } as PublicKeyCredentialCreationOptionsJSON);
  const credential = authenticator.credentials[0] as { id: Uint8Array; cose: Uint8Array };
  await db
    .prepare(
      `INSERT INTO webauthn_devices (credential_id, subject, public_key, counter, transports, device_type, aaguid, backup_eligible, backup_state, name, created_at) VALUES (?, 'demo', ?, 0, '["internal"]', 'platform', NULL, 0, 0, 'bench', ?)`,
    )
    .bind(
      encodeBase64Url(credential.id),
      encodeBase64Url(credential.cose),
      Math.floor(Date.now() / 1000),
    )
    .run();
  return { mf, base, authenticator };
}

/** Follows one redirect by hand (the cookie is ours to send); answers the Location. */
async function redirected(res: Response, what: string): Promise<string> {
  await res.arrayBuffer();
  const location = res.headers.get('Location');
  if (res.status !== 303 && res.status !== 302) throw new Error(`${what}: ${res.status}`);
  if (!location) throw new Error(`${what}: no Location`);
  return location;
}

async function page(res: Response, what: string): Promise<string> {
  const html = await res.text();
  if (res.status !== 200) throw new Error(`${what}: ${res.status} ${html.slice(0, 200)}`);
  return html;
}

function match(html: string, pattern: RegExp, what: string): string {
  const found = pattern.exec(html)?.[1];
  if (found === undefined) throw new Error(`${what} not found in the page`);
  return found;
}

/** One passkey login, from the authorization request to the tokens. */
export async function passkeyLogin(server: PasskeyServer): Promise<void> {
  const { base, authenticator } = server;
  const authorize = `${base}/oauth/v2/oauth-authorize?${new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state: 'bench',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  })}`;
  const started = await fetch(authorize, { redirect: 'manual' });
  const cookie = (started.headers.get('Set-Cookie') ?? '').split(';')[0] as string;
  const headers = { Cookie: cookie };
  const selectorUrl = new URL(await redirected(started, 'authorize'), base).href;
  const selector = await page(await fetch(selectorUrl, { headers }), 'selector');
  const stepPath = match(selector, /action="([^"]*\/passkeys)"/, 'the passkey option');
  const step = await page(await fetch(new URL(stepPath, base), { headers }), 'passkey step');
  const data = JSON.parse(
    match(
      step,
      /<script type="application\/json" class="webauthn-options">([^<]*)<\/script>/,
      'options',
    ),
  ) as { choices: { field: string; options: PublicKeyCredentialRequestOptionsJSON }[] };
  const choice = data.choices[0];
  if (!choice) throw new Error('no passkey ceremony on the step');
  const assertion = await authenticator.get(choice.options);
  const action = match(step, /<form method="post" action="([^"]+)"/, 'the assertion form');
  const csrf = match(step, /name="_csrf" value="([^"]+)"/, 'the CSRF token');
  const posted = await fetch(new URL(action, base), {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, [choice.field]: JSON.stringify(assertion) }),
  });
  const resume = new URL(await redirected(posted, 'assertion'), base).href;
  const callback = await redirected(await fetch(resume, { headers, redirect: 'manual' }), 'resume');
  const code = new URL(callback).searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback}`);
  const tokens = await fetch(`${base}/oauth/v2/oauth-token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: VERIFIER,
    }),
  });
  const body = (await tokens.json()) as { id_token?: string };
  if (tokens.status !== 200 || !body.id_token) throw new Error(`code exchange: ${tokens.status}`);
}
