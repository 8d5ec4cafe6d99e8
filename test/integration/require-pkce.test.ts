// The per-client `require_pkce` option (#21; Curity's mobile examples send no PKCE): on by default
// for every client; off, a native app's HAAPI flow may leave PKCE out because its code is bound
// to the app's DPoP key, and its code then takes no verifier (no downgrade either way). Browser
// flows and web HAAPI callers always need PKCE.
import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/crypto/random';
import { hashGeneratedSecret } from '../../src/crypto/secret-hash';
import { basic } from '../support/clients';
import { type DpopKey, dpopKey, dpopProof } from '../support/dpop';
import {
  action,
  authorizationRequest,
  HaapiTestClient,
  insertSecretHaapiClient,
} from '../support/haapi-client';
import { call, ISSUER, post, type TokenBody } from '../support/worker';

const TOKEN_URL = `${ISSUER}/oauth/v2/oauth-token`;
const fetchWorker = (request: Request) =>
  exports.default.fetch(request as unknown as Request<unknown, IncomingRequestCfProperties>);
const secret = randomToken();
let strict: string;
let relaxed: string;
let unbound: string;

beforeAll(async () => {
  const hash = await hashGeneratedSecret(secret);
  strict = await insertSecretHaapiClient(hash);
  relaxed = await insertSecretHaapiClient(hash);
  await env.DB.prepare('UPDATE clients SET require_pkce = 0 WHERE client_id = ?')
    .bind(relaxed)
    .run();
  unbound = await insertSecretHaapiClient(hash);
  await env.DB.prepare(
    'UPDATE clients SET require_pkce = 0, token_bound_code = 0 WHERE client_id = ?',
  )
    .bind(unbound)
    .run();
});

async function app(clientId: string): Promise<{ app: HaapiTestClient; key: DpopKey }> {
  const key = await dpopKey();
  const res = await post(
    TOKEN_URL,
    { grant_type: 'client_credentials', scope: 'urn:se:curity:scopes:haapi' },
    { Authorization: basic(clientId, secret), DPoP: await dpopProof(key, { htu: TOKEN_URL }) },
  );
  const aat = ((await res.json()) as TokenBody).access_token;
  return { app: new HaapiTestClient(fetchWorker, aat, key), key };
}

/** The suite's authorization request for `clientId`, without its PKCE parameters. */
async function authorizeUrl(clientId: string): Promise<string> {
  const url = new URL((await authorizationRequest(clientId)).url);
  url.searchParams.delete('code_challenge');
  url.searchParams.delete('code_challenge_method');
  return url.href;
}

async function codeWithoutPkce(clientId: string) {
  const { app: client, key } = await app(clientId);
  const first = await client.request(await authorizeUrl(clientId));
  expect(first.status).toBe(200);
  const done = await client.follow(
    await client.submit(action(first.body, 'login'), { userName: 'demo', password: 'Password1' }),
  );
  expect(done.body.type).toBe('oauth-authorization-response');
  return { code: (done.body.properties as Record<string, string>).code as string, key };
}

function exchange(
  clientId: string,
  code: string,
  key: DpopKey,
  extra: Record<string, string> = {},
) {
  return dpopProof(key, { htu: TOKEN_URL }).then((proof) =>
    post(
      TOKEN_URL,
      { grant_type: 'authorization_code', code, redirect_uri: 'app://haapi', ...extra },
      { Authorization: basic(clientId, secret), DPoP: proof },
    ),
  );
}

describe('require_pkce', () => {
  it('on (the default): a HAAPI authorization request without PKCE is refused', async () => {
    const { app: client } = await app(strict);
    const res = await client.request(await authorizeUrl(strict));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      type: 'https://curity.se/problems/error-authorization-response',
      error: 'invalid_request',
    });
  });

  it('off: a native HAAPI flow without PKCE ends in a code bound to the app key, redeemed without a verifier', async () => {
    const { code, key } = await codeWithoutPkce(relaxed);
    const res = await exchange(relaxed, code, key);
    expect(res.status).toBe(200);
    expect(((await res.json()) as TokenBody).token_type).toBe('DPoP');
  });

  it('off: that code is refused with another DPoP key, and with a verifier it never had', async () => {
    const { code, key } = await codeWithoutPkce(relaxed);
    expect((await exchange(relaxed, code, await dpopKey())).status).toBe(400);
    const withVerifier = await exchange(relaxed, code, key, { code_verifier: randomToken(32) });
    expect(withVerifier.status).toBe(400);
    expect(((await withVerifier.json()) as { error: string }).error).toBe('invalid_grant');
    // Neither refusal used the code up.
    expect((await exchange(relaxed, code, key)).status).toBe(200);
  });

  it('off: a browser (HTML) authorization request still needs PKCE', async () => {
    await env.DB.prepare(
      "UPDATE clients SET capabilities = json_set(capabilities, '$.browserFlow', json('true')) WHERE client_id = ?",
    )
      .bind(relaxed)
      .run();
    const res = await call(await authorizeUrl(relaxed), { redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('Location') as string);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toContain('PKCE');
  });
});

/** Logs in as `demo` in the HAAPI flow `url` starts; returns its code. */
async function loginCode(client: HaapiTestClient, url: string): Promise<string> {
  const first = await client.request(url);
  const done = await client.follow(
    await client.submit(action(first.body, 'login'), { userName: 'demo', password: 'Password1' }),
  );
  return (done.body.properties as Record<string, string>).code as string;
}

describe('token_bound_code (Curity: issue-token-bound-authorization-code)', () => {
  it('off: PKCE is required whatever require_pkce says, and the code is not bound to the app key', async () => {
    const { app: client } = await app(unbound);
    const refused = await client.request(await authorizeUrl(unbound));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_request' });

    const { url, verifier } = await authorizationRequest(unbound);
    const code = await loginCode(client, url);
    // Another DPoP key redeems it (the client authenticates; the verifier proves the flow).
    const res = await exchange(unbound, code, await dpopKey(), { code_verifier: verifier });
    expect(res.status).toBe(200);
  });

  it('on (the default): the code of a client that requires PKCE is still bound to the app key', async () => {
    const { app: client } = await app(strict);
    const { url, verifier } = await authorizationRequest(strict);
    const code = await loginCode(client, url);
    const other = await exchange(strict, code, await dpopKey(), { code_verifier: verifier });
    expect(other.status).toBe(400);
  });
});
