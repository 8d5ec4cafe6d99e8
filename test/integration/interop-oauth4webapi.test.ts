// Interop: panva's oauth4webapi drives the server as a real, strict client (discovery,
// client_credentials with private_key_jwt and DPoP, authorization_code with PKCE and DPoP,
// refresh, introspection, revocation). Its HTTP goes to the Worker through customFetch.
import { exports } from 'cloudflare:workers';
import { exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
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
    const main: oauth.Client = { client_id: 'haapi-android-client' };
    const iat = await oauth.processClientCredentialsResponse(
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
    const dynamic: oauth.Client = { client_id: registered.client_id };
    const DPoP = oauth.DPoP(dynamic, deviceKeys);
    const aat = await withNonceRetry(
      () =>
        oauth.clientCredentialsGrantRequest(
          as,
          dynamic,
          oauth.ClientSecretBasic(registered.client_secret as string),
          { scope: 'urn:se:curity:scopes:haapi' },
          { ...options, DPoP },
        ),
      (res) => oauth.processClientCredentialsResponse(as, dynamic, res),
    );
    expect(aat.token_type).toBe('dpop');
    expect(aat.scope).toBe('urn:se:curity:scopes:haapi');
  });
});
