import { env } from 'cloudflare:test';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { forgetClient } from '../../src/storage/clients';
import { basic, createTestClient, signingKey } from '../support/clients';
import { call, form, ISSUER } from '../support/worker';

const TOKEN = '/oauth/v2/oauth-token';
const TOKEN_URL = `${ISSUER}${TOKEN}`;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

async function expectError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(((await res.json()) as { error: string }).error).toBe(error);
}

function tokenRequest(body: Record<string, string>, headers: Record<string, string> = {}) {
  const init = form(body);
  return call(TOKEN, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), ...headers },
  });
}

describe('client_secret_basic / client_secret_post (RFC 6749 §2.3.1)', () => {
  it('the demo back-end gets a token with its secret (Basic)', async () => {
    const res = await tokenRequest(
      { grant_type: 'client_credentials' },
      { Authorization: basic('demo-backend', 'Password1') },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'read write' });
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('the secret in the form body works when the client allows client_secret_post', async () => {
    const res = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: 'demo-backend',
      client_secret: 'Password1',
    });
    expect(res.status).toBe(200);
  });

  it('a wrong secret is 401 invalid_client with a Basic challenge', async () => {
    const res = await tokenRequest(
      { grant_type: 'client_credentials' },
      { Authorization: basic('demo-backend', 'Password2') },
    );
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Basic realm=/);
    await expectError(res, 401, 'invalid_client');
  });

  it('an unknown client is invalid_client', async () => {
    await expectError(
      await tokenRequest(
        { grant_type: 'client_credentials' },
        { Authorization: basic('nobody', 'Password1') },
      ),
      401,
      'invalid_client',
    );
  });

  it('client_secret_post is refused for a client registered for Basic only', async () => {
    const client = await createTestClient({ authMethod: 'client_secret_basic' });
    await expectError(
      await tokenRequest({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.secret,
      }),
      401,
      'invalid_client',
    );
  });

  it('two authentication methods at once are invalid_request (RFC 6749 §2.3)', async () => {
    await expectError(
      await tokenRequest(
        { grant_type: 'client_credentials', client_id: 'demo-backend', client_secret: 'Password1' },
        { Authorization: basic('demo-backend', 'Password1') },
      ),
      400,
      'invalid_request',
    );
  });

  it('a malformed Basic header is invalid_client', async () => {
    await expectError(
      await tokenRequest({ grant_type: 'client_credentials' }, { Authorization: 'Basic !!!' }),
      401,
      'invalid_client',
    );
  });
});

describe('private_key_jwt (RFC 7523 §3)', () => {
  async function jwtClient(alg: 'RS256' | 'PS256' | 'ES256' | 'EdDSA' = 'ES256') {
    const key = await signingKey(alg);
    const client = await createTestClient({
      authMethod: 'private_key_jwt',
      jwks: { keys: [key.jwk] },
    });
    const assertion = (
      claims: Record<string, unknown> = {},
      exp = Math.floor(Date.now() / 1000) + 60,
    ) =>
      new SignJWT({ jti: crypto.randomUUID(), ...claims })
        .setProtectedHeader({ alg, kid: key.jwk.kid })
        .setIssuer((claims.iss as string) ?? client.clientId)
        .setSubject((claims.sub as string) ?? client.clientId)
        .setAudience((claims.aud as string) ?? ISSUER)
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(key.privateKey);
    const request = (jwt: string) =>
      tokenRequest({
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: jwt,
      });
    return { client, assertion, request };
  }

  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
    it(`accepts an ${alg} assertion with aud = issuer`, async () => {
      const { assertion, request } = await jwtClient(alg);
      expect((await request(await assertion())).status).toBe(200);
    });
  }

  it('refuses aud = the token endpoint URL unless the client has the legacy switch (RFC 7523bis)', async () => {
    const { client, assertion, request } = await jwtClient();
    expect((await request(await assertion({ aud: TOKEN_URL }))).status).toBe(401);
    await env.DB.prepare(
      `UPDATE clients SET capabilities = '{"assertionAudienceEndpoint":true}' WHERE client_id = ?`,
    )
      .bind(client.clientId)
      .run();
    forgetClient(client.clientId);
    expect((await request(await assertion({ aud: TOKEN_URL }))).status).toBe(200);
  });

  it('refuses a replayed jti', async () => {
    const { assertion, request } = await jwtClient();
    const jwt = await assertion({ jti: 'fixed-jti' });
    expect((await request(jwt)).status).toBe(200);
    await expectError(await request(jwt), 401, 'invalid_client');
  });

  it('refuses an expired assertion', async () => {
    const { assertion, request } = await jwtClient();
    await expectError(
      await request(await assertion({}, Math.floor(Date.now() / 1000) - 120)),
      401,
      'invalid_client',
    );
  });

  it('refuses an assertion that expires too far ahead', async () => {
    const { assertion, request } = await jwtClient();
    await expectError(
      await request(await assertion({}, Math.floor(Date.now() / 1000) + 3600)),
      401,
      'invalid_client',
    );
  });

  it('refuses a wrong aud', async () => {
    const { assertion, request } = await jwtClient();
    await expectError(
      await request(await assertion({ aud: 'https://other.example' })),
      401,
      'invalid_client',
    );
  });

  it('refuses iss different from sub', async () => {
    const { assertion, request } = await jwtClient();
    await expectError(
      await request(await assertion({ iss: 'someone-else' })),
      401,
      'invalid_client',
    );
  });

  it('refuses an assertion signed by a key the client did not register', async () => {
    const { client, request } = await jwtClient();
    const other = await signingKey('ES256');
    const jwt = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'k-ES256' })
      .setIssuer(client.clientId)
      .setSubject(client.clientId)
      .setAudience(ISSUER)
      .setExpirationTime('1m')
      .sign(other.privateKey);
    await expectError(await request(jwt), 401, 'invalid_client');
  });

  it('refuses a missing jti', async () => {
    const { client, request } = await jwtClient();
    const key = await signingKey('ES256');
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(client.clientId)
      .setSubject(client.clientId)
      .setAudience(ISSUER)
      .setExpirationTime('1m')
      .sign(key.privateKey);
    await expectError(await request(jwt), 401, 'invalid_client');
  });

  it('refuses an unknown client_assertion_type', async () => {
    const { assertion } = await jwtClient();
    await expectError(
      await tokenRequest({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:example:other',
        client_assertion: await assertion(),
      }),
      401,
      'invalid_client',
    );
  });
});

describe('mTLS client authentication (RFC 8705 §2) from request.cf.tlsClientAuth', () => {
  const FINGERPRINT = `${'a'.repeat(62)}0f`;
  const cert = (overrides: Record<string, string> = {}) => ({
    certPresented: '1',
    certVerified: 'SUCCESS',
    certRevoked: '0',
    certSubjectDNRFC2253: 'CN=device-1,O=Example',
    certIssuerDNRFC2253: 'CN=Example CA,O=Example',
    certFingerprintSHA256: FINGERPRINT,
    ...overrides,
  });
  const mtlsRequest = (
    clientId: string,
    tls: Record<string, string> | null,
    headers: Record<string, string> = {},
  ) => {
    const init = form({ grant_type: 'client_credentials', client_id: clientId });
    return call(TOKEN, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), ...headers },
      ...(tls ? { cf: { tlsClientAuth: tls } } : {}),
    } as RequestInit);
  };

  it('tls_client_auth: a verified certificate with the registered subject gets a certificate-bound token', async () => {
    const client = await createTestClient({
      authMethod: 'tls_client_auth',
      tlsSubjectDn: 'CN=device-1, O=Example',
    });
    const res = await mtlsRequest(client.clientId, cert());
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    const payload = JSON.parse(atob(access_token.split('.')[1] as string));
    // x5t#S256 is the base64url of the certificate's SHA-256 (RFC 8705 §3.1), here aa..aa0f.
    expect(payload.cnf['x5t#S256']).toBe('qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqg8');
  });

  it('tls_client_auth: a certificate Cloudflare did not verify is refused', async () => {
    const client = await createTestClient({
      authMethod: 'tls_client_auth',
      tlsSubjectDn: 'CN=device-1,O=Example',
    });
    await expectError(
      await mtlsRequest(client.clientId, cert({ certVerified: 'FAILED:self signed certificate' })),
      401,
      'invalid_client',
    );
  });

  it('tls_client_auth: another subject is refused', async () => {
    const client = await createTestClient({
      authMethod: 'tls_client_auth',
      tlsSubjectDn: 'CN=device-2,O=Example',
    });
    await expectError(await mtlsRequest(client.clientId, cert()), 401, 'invalid_client');
  });

  it('tls_client_auth: a revoked certificate is refused', async () => {
    const client = await createTestClient({
      authMethod: 'tls_client_auth',
      tlsSubjectDn: 'CN=device-1,O=Example',
    });
    await expectError(
      await mtlsRequest(client.clientId, cert({ certRevoked: '1' })),
      401,
      'invalid_client',
    );
  });

  it('tls_client_auth: a pinned issuer DN must match', async () => {
    const client = await createTestClient({
      authMethod: 'tls_client_auth',
      tlsSubjectDn: 'CN=device-1,O=Example',
      tlsIssuerDn: 'CN=Other CA,O=Example',
    });
    await expectError(await mtlsRequest(client.clientId, cert()), 401, 'invalid_client');
  });

  it('self_signed_tls_client_auth: the registered fingerprint is accepted, unverified chain or not', async () => {
    const client = await createTestClient({
      authMethod: 'self_signed_tls_client_auth',
      tlsCertSha256: [FINGERPRINT.toUpperCase()],
    });
    const res = await mtlsRequest(
      client.clientId,
      cert({ certVerified: 'FAILED:self signed certificate' }),
    );
    expect(res.status).toBe(200);
  });

  it('self_signed_tls_client_auth: another fingerprint is refused', async () => {
    const client = await createTestClient({
      authMethod: 'self_signed_tls_client_auth',
      tlsCertSha256: ['b'.repeat(64)],
    });
    await expectError(await mtlsRequest(client.clientId, cert()), 401, 'invalid_client');
  });

  it('no certificate in cf: headers that claim one are ignored', async () => {
    const client = await createTestClient({
      authMethod: 'self_signed_tls_client_auth',
      tlsCertSha256: [FINGERPRINT],
    });
    const res = await mtlsRequest(client.clientId, null, {
      'X-Client-Cert-Fingerprint': FINGERPRINT,
      'Client-Cert': ':MIIB:',
      'cf-tls-client-auth': JSON.stringify(cert()),
    });
    await expectError(res, 401, 'invalid_client');
  });
});

describe('client_credentials (RFC 6749 §4.4)', () => {
  it('grants a subset of the registered scopes, and refuses others with invalid_scope', async () => {
    const ok = await tokenRequest(
      { grant_type: 'client_credentials', scope: 'read' },
      { Authorization: basic('demo-backend', 'Password1') },
    );
    expect(((await ok.json()) as { scope: string }).scope).toBe('read');
    await expectError(
      await tokenRequest(
        { grant_type: 'client_credentials', scope: 'admin' },
        { Authorization: basic('demo-backend', 'Password1') },
      ),
      400,
      'invalid_scope',
    );
  });

  it('a client without the grant type is unauthorized_client', async () => {
    const client = await createTestClient({ grantTypes: ['authorization_code'] });
    await expectError(
      await tokenRequest(
        { grant_type: 'client_credentials' },
        { Authorization: basic(client.clientId, client.secret) },
      ),
      400,
      'unauthorized_client',
    );
  });

  it('a public client cannot use it', async () => {
    const client = await createTestClient({
      clientType: 'public',
      authMethod: 'none',
      grantTypes: ['client_credentials'],
    });
    await expectError(
      await tokenRequest({ grant_type: 'client_credentials', client_id: client.clientId }),
      400,
      'unauthorized_client',
    );
  });
});
