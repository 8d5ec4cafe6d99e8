// The development console's page script (routes/dev-pages.tsx; built by scripts/build-assets.mjs).
// The start page makes a PKCE verifier and a state, keeps them in sessionStorage and opens the
// authorization request; the callback page shows the code and exchanges it at the token endpoint
// with the verifier and a DPoP proof from a key made in this browser (the client is DPoP-bound),
// retrying once with the server's DPoP nonce, then shows the token response and its claims.
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';

interface Config {
  readonly page: 'start' | 'callback';
  readonly clientId: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly redirectUri: string;
  readonly scope: string;
}

const config = JSON.parse(document.getElementById('config')?.textContent ?? '{}') as Config;
const b64u = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const random = () => b64u(crypto.getRandomValues(new Uint8Array(32)));
const show = (id: string, text: string) => {
  const element = document.getElementById(id);
  if (element) {
    element.textContent = text;
    element.hidden = false;
  }
};

async function start(): Promise<void> {
  const verifier = random();
  const state = random();
  sessionStorage.setItem('dev-console', JSON.stringify({ verifier, state }));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const url = new URL(config.authorizationEndpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    response_type: 'code',
    redirect_uri: config.redirectUri,
    scope: config.scope,
    state,
    code_challenge: b64u(new Uint8Array(digest)),
    code_challenge_method: 'S256',
    ui_locales: document.documentElement.lang,
  }).toString();
  location.assign(url.href);
}

async function proof(privateKey: CryptoKey, jwk: object, nonce?: string): Promise<string> {
  return new SignJWT({
    htm: 'POST',
    htu: config.tokenEndpoint,
    jti: random(),
    ...(nonce ? { nonce } : {}),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
    .setIssuedAt()
    .sign(privateKey);
}

async function exchange(code: string, verifier: string): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: config.redirectUri,
    client_id: config.clientId,
    code_verifier: verifier,
  });
  let nonce: string | undefined;
  let res: Response | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    res = await fetch(config.tokenEndpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        DPoP: await proof(privateKey, jwk, nonce),
      },
      body,
    });
    nonce = res.headers.get('DPoP-Nonce') ?? undefined;
    if (res.status !== 400 || !nonce) break;
  }
  const answer = (await res?.json()) as Record<string, unknown>;
  const claims: Record<string, unknown> = {};
  const shown: Record<string, unknown> = { ...answer };
  for (const name of ['access_token', 'id_token', 'refresh_token']) {
    const token = answer[name];
    if (typeof token !== 'string') continue;
    shown[name] = `${token.slice(0, 16)}… (${token.length} characters)`;
    if (name !== 'refresh_token') claims[name] = decodeJwt(token);
  }
  show(
    'status',
    res?.ok ? 'Signed in: the code was redeemed.' : 'The token endpoint refused the code.',
  );
  show('tokens', JSON.stringify({ status: res?.status, response: shown, claims }, null, 2));
  show('key', `DPoP key thumbprint (cnf.jkt): ${await calculateJwkThumbprint(jwk)}`);
}

function callback(): void {
  const params = new URLSearchParams(location.search);
  const saved = JSON.parse(sessionStorage.getItem('dev-console') ?? '{}') as {
    verifier?: string;
    state?: string;
  };
  const code = params.get('code');
  const error = params.get('error');
  if (error) {
    show('status', `The server answered ${error}: ${params.get('error_description') ?? ''}`);
    return;
  }
  if (!code || !saved.verifier || params.get('state') !== saved.state) {
    show('status', 'No code for this browser session: start a sign-in from the start page.');
    return;
  }
  show('code', `Authorization code: ${code}`);
  const button = document.getElementById('exchange') as HTMLButtonElement | null;
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    button.hidden = true;
    sessionStorage.removeItem('dev-console');
    exchange(code, saved.verifier as string).catch((err: unknown) => show('status', String(err)));
  });
}

if (config.page === 'start') {
  document.getElementById('start')?.addEventListener('click', () => {
    start().catch((err: unknown) => show('status', String(err)));
  });
} else {
  callback();
}
