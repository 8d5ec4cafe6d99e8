// Interop: panva's oauth4webapi drives the server as a real, strict client (discovery,
// client_credentials with private_key_jwt and DPoP, authorization_code with PKCE and DPoP,
// refresh, introspection, revocation, browser single sign-on and logout). Its HTTP goes to the Worker through customFetch.
import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { Browser, logInOnPage } from '../support/browser';
import { createTestClient } from '../support/clients';
import { issueTestCode } from '../support/codes';
import { ISSUER } from '../support/worker';

const fetchWorker = (input: string | URL | Request, init?: RequestInit) =>
  exports.default.fetch(
    new Request(input, init) as unknown as Request<unknown, IncomingRequestCfProperties>,
  );
const options = { [oauth.customFetch]: fetchWorker, [oauth.allowInsecureRequests]: true };

async function discover(): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(ISSUER);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oidc' }),
  );
}

/** Runs a token request, retrying once with the server's nonce (RFC 9449 §8). */
async function withNonceRetry<T>(
  request: () => Promise<Response>,
  process: (res: Response) => Promise<T>,
): Promise<T> {
  try {
    return await process(await request());
  } catch (err) {
    if (oauth.isDPoPNonceError(err)) return process(await request());
    throw err;
  }
}

/** The demo main client's initial access token (scope `dcr`), by client_credentials. */
async function initialAccessToken(as: oauth.AuthorizationServer) {
  const main: oauth.Client = { client_id: 'haapi-android-client' };
  return oauth.processClientCredentialsResponse(
    as,
    main,
    await oauth.clientCredentialsGrantRequest(
      as,
      main,
      oauth.ClientSecretBasic('Password1'),
      { scope: 'dcr' },
      options,
    ),
  );
}

/** A dynamic client's AAT (client_credentials, scope haapi) with a DPoP proof of `deviceKeys`. */
function haapiAat(
  as: oauth.AuthorizationServer,
  clientId: string,
  clientAuth: oauth.ClientAuth,
  deviceKeys: CryptoKeyPair,
) {
  const dynamic: oauth.Client = { client_id: clientId };
  const DPoP = oauth.DPoP(dynamic, deviceKeys);
  return withNonceRetry(
    () =>
      oauth.clientCredentialsGrantRequest(
        as,
        dynamic,
        clientAuth,
        { scope: 'urn:se:curity:scopes:haapi' },
        { ...options, DPoP },
      ),
    (res) => oauth.processClientCredentialsResponse(as, dynamic, res),
  );
}

describe('oauth4webapi interop', () => {
  it('client_credentials with private_key_jwt and DPoP, then introspection', async () => {
    const as = await discover();
    const assertionKey = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(assertionKey.publicKey)), kid: 'interop-1', alg: 'ES256' };
    const registered = await createTestClient({
      authMethod: 'private_key_jwt',
      jwks: { keys: [jwk] },
    });
    const client: oauth.Client = { client_id: registered.clientId };
    const clientAuth = oauth.PrivateKeyJwt({ key: assertionKey.privateKey, kid: 'interop-1' });
    const dpopKeys = await generateKeyPair('ES256', { extractable: false });
    const DPoP = oauth.DPoP(client, dpopKeys);

    const tokens = await withNonceRetry(
      () =>
        oauth.clientCredentialsGrantRequest(
          as,
          client,
          clientAuth,
          { scope: 'read' },
          { ...options, DPoP },
        ),
      (res) => oauth.processClientCredentialsResponse(as, client, res),
    );
    expect(tokens.token_type).toBe('dpop');
    expect(tokens.scope).toBe('read');

    const introspection = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(
        as,
        client,
        oauth.PrivateKeyJwt({ key: assertionKey.privateKey, kid: 'interop-1' }),
        tokens.access_token,
        options,
      ),
    );
    expect(introspection.active).toBe(true);
    expect(introspection.client_id).toBe(registered.clientId);
    expect(introspection.cnf?.jkt).toBeTruthy();
  });

  it('authorization_code with PKCE and DPoP, refresh, ID token checks, revocation', async () => {
    const as = await discover();
    const registered = await createTestClient({
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    const client: oauth.Client = {
      client_id: registered.clientId,
      id_token_signed_response_alg: 'ES256',
    };
    const clientAuth = oauth.ClientSecretBasic(registered.secret);
    const dpopKeys = await generateKeyPair('ES256', { extractable: false });
    const DPoP = oauth.DPoP(client, dpopKeys);
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const state = oauth.generateRandomState();
    // The authorization step (the hypermedia login) is stood in for by issuing the code directly.
    const { code } = await issueTestCode({
      clientId: registered.clientId,
      codeChallenge: await oauth.calculatePKCECodeChallenge(verifier),
      nonce,
      dpopJkt: await (await import('jose')).calculateJwkThumbprint(
        await exportJWK(dpopKeys.publicKey),
      ),
    });
    const callback = oauth.validateAuthResponse(
      as,
      client,
      new URLSearchParams({ code, state, iss: ISSUER }),
      state,
    );
    const tokens = await withNonceRetry(
      () =>
        oauth.authorizationCodeGrantRequest(
          as,
          client,
          clientAuth,
          callback,
          'https://app.example/cb',
          verifier,
          { ...options, DPoP },
        ),
      (res) =>
        oauth.processAuthorizationCodeResponse(as, client, res, {
          expectedNonce: nonce,
          requireIdToken: true,
        }),
    );
    expect(tokens.token_type).toBe('dpop');
    const claims = oauth.getValidatedIdTokenClaims(tokens);
    expect(claims?.sub).toBe('demo');
    expect(claims?.nonce).toBe(nonce);

    const refreshed = await withNonceRetry(
      () =>
        oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token as string, {
          ...options,
          DPoP,
        }),
      (res) => oauth.processRefreshTokenResponse(as, client, res),
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(
        as,
        client,
        clientAuth,
        refreshed.refresh_token as string,
        options,
      ),
    );
    const again = await oauth.refreshTokenGrantRequest(
      as,
      client,
      clientAuth,
      refreshed.refresh_token as string,
      { ...options, DPoP },
    );
    await expect(oauth.processRefreshTokenResponse(as, client, again)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('dynamic registration (initial access token, software_id, DPoP device key), then client_credentials + DPoP for the AAT', async () => {
    const as = await discover();
    const iat = await initialAccessToken(as);
    const deviceKeys = await generateKeyPair('ES256', { extractable: false });
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        { software_id: 'haapi-template-client' } as Partial<oauth.Client>,
        {
          ...options,
          initialAccessToken: iat.access_token,
        },
      ),
    );
    expect(registered.client_id).toMatch(/^dyn-/);
    const aat = await haapiAat(
      as,
      registered.client_id,
      oauth.ClientSecretBasic(registered.client_secret as string),
      deviceKeys,
    );
    expect(aat.token_type).toBe('dpop');
    expect(aat.scope).toBe('urn:se:curity:scopes:haapi');
  });

  it('dynamic registration with a device-generated jwks (private_key_jwt), then the AAT with that key', async () => {
    const as = await discover();
    const template = `template-${crypto.randomUUID()}`;
    await env.DB.prepare(
      `INSERT INTO clients (client_id, client_type, is_template, grant_types, scopes, redirect_uris, capabilities, authenticate_client_by, dpop_required)
       VALUES (?, 'confidential', 1, '["client_credentials","authorization_code"]', 'openid', '["app://haapi"]', '{"code":true,"haapi":true,"allowWithoutAttestation":true,"deviceJwks":true}', 'haapi-android-client', 1)`,
    )
      .bind(template)
      .run();
    const iat = await initialAccessToken(as);
    const assertionKey = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(assertionKey.publicKey)), kid: 'device', alg: 'ES256' };
    const deviceKeys = await generateKeyPair('ES256', { extractable: false });
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          software_id: template,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [jwk] },
        } as Partial<oauth.Client>,
        // No DPoP here: the device key is bound by the first AAT request (trust on first use).
        { ...options, initialAccessToken: iat.access_token },
      ),
    );
    expect(registered.client_secret).toBeUndefined();
    expect(registered.token_endpoint_auth_method).toBe('private_key_jwt');
    const aat = await haapiAat(
      as,
      registered.client_id,
      oauth.PrivateKeyJwt({ key: assertionKey.privateKey, kid: 'device' }),
      deviceKeys,
    );
    expect(aat.token_type).toBe('dpop');
  });

  it('browser single sign-on: prompt=none with a session and max_age, ID token checked, then RP-initiated logout', async () => {
    const as = await discover();
    const redirect = 'https://rp.example/cb';
    const afterLogout = 'https://rp.example/bye';
    const registered = await createTestClient({
      clientType: 'public',
      authMethod: 'none',
      grantTypes: ['authorization_code'],
      scopes: 'openid profile',
      redirectUris: [redirect],
    });
    await env.DB.prepare('UPDATE clients SET post_logout_redirect_uris = ? WHERE client_id = ?')
      .bind(JSON.stringify([afterLogout]), registered.clientId)
      .run();
    const client: oauth.Client = { client_id: registered.clientId };

    // The browser signs in once, in the demo web client's pages.
    const browser = new Browser('198.51.100.31');
    const web = new URL(as.authorization_endpoint as string);
    web.search = new URLSearchParams({
      client_id: 'haapi-web-client',
      response_type: 'code',
      redirect_uri: 'http://localhost:5173/callback',
      scope: 'openid',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    await logInOnPage(
      browser,
      new URL((await browser.go(web.href)).headers.get('Location') as string, ISSUER),
    );

    // Another relying party asks without a prompt; oauth4webapi checks state, iss, the nonce
    // and that auth_time is within max_age.
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      response_type: 'code',
      redirect_uri: redirect,
      scope: 'openid',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      prompt: 'none',
      max_age: '300',
      state,
      nonce,
    }).toString();
    const answer = await browser.go(url.href);
    const callback = new URL(answer.headers.get('Location') as string);
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirect,
      verifier,
      options,
    );
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: nonce,
      maxAge: 300,
    });
    const claims = oauth.getValidatedIdTokenClaims(result) as oauth.IDToken;
    expect(claims.sub).toBe('demo');
    expect(typeof claims.auth_time).toBe('number');

    // RP-initiated logout at the discovered end-session endpoint.
    const logout = new URL(as.end_session_endpoint as string);
    logout.search = new URLSearchParams({
      id_token_hint: result.id_token as string,
      post_logout_redirect_uri: afterLogout,
      state: 'after',
    }).toString();
    const out = await browser.go(logout.href);
    expect(out.headers.get('Location')).toBe(`${afterLogout}?state=after`);

    // Without the session, prompt=none is answered with login_required, which oauth4webapi
    // reports as the authorization server's error.
    const again = await browser.go(url.href);
    const denied = new URL(again.headers.get('Location') as string);
    expect(() => oauth.validateAuthResponse(as, client, denied, state)).toThrow(
      oauth.AuthorizationResponseError,
    );
    expect(denied.searchParams.get('error')).toBe('login_required');
  });
});
