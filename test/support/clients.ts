/**
 * Test clients: inserts a client row into the real D1 (through the same table the server reads),
 * with a unique id, so that each test can shape the client it needs.
 */
import { env } from 'cloudflare:test';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { expect } from 'vitest';
import { randomToken } from '../../src/crypto/random';
import { hashGeneratedSecret } from '../../src/crypto/secret-hash';
import { post, type TokenBody } from './worker';

export interface TestClientOptions {
  clientType?: 'confidential' | 'public';
  authMethod?: string;
  extraAuthMethods?: string[];
  grantTypes?: string[];
  scopes?: string;
  redirectUris?: string[];
  allowedOrigins?: string[];
  jwks?: { keys: JWK[] };
  tlsSubjectDn?: string;
  tlsIssuerDn?: string;
  tlsCertSha256?: string[];
  dpopRequired?: boolean;
  accessTokenTtl?: number;
}

export interface TestClient {
  clientId: string;
  secret: string;
}

export async function createTestClient(options: TestClientOptions = {}): Promise<TestClient> {
  const clientId = `test-${crypto.randomUUID()}`;
  const secret = randomToken();
  await env.DB.prepare(
    `INSERT INTO clients (client_id, client_type, secret_hash, token_endpoint_auth_method, extra_auth_methods,
       grant_types, scopes, redirect_uris, allowed_origins, jwks, tls_subject_dn, tls_issuer_dn, tls_cert_sha256,
       dpop_required, access_token_ttl)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      clientId,
      options.clientType ?? 'confidential',
      options.clientType === 'public' ? null : await hashGeneratedSecret(secret),
      options.authMethod ?? 'client_secret_basic',
      JSON.stringify(options.extraAuthMethods ?? []),
      JSON.stringify(
        options.grantTypes ?? ['client_credentials', 'authorization_code', 'refresh_token'],
      ),
      options.scopes ?? 'openid profile email read',
      JSON.stringify(options.redirectUris ?? ['https://app.example/cb']),
      JSON.stringify(options.allowedOrigins ?? []),
      options.jwks ? JSON.stringify(options.jwks) : null,
      options.tlsSubjectDn ?? null,
      options.tlsIssuerDn ?? null,
      JSON.stringify(options.tlsCertSha256 ?? []),
      options.dpopRequired ? 1 : 0,
      options.accessTokenTtl ?? null,
    )
    .run();
  return { clientId, secret };
}

export function basic(clientId: string, secret: string): string {
  const encode = (v: string) => encodeURIComponent(v);
  return `Basic ${btoa(`${encode(clientId)}:${encode(secret)}`)}`;
}

/** An initial access token (scope `dcr`) of a main client authenticated with its secret. */
export async function initialAccessToken(
  clientId = 'haapi-android-client',
  secret = 'Password1',
): Promise<string> {
  const res = await post(
    '/oauth/v2/oauth-token',
    { grant_type: 'client_credentials', scope: 'dcr' },
    { Authorization: basic(clientId, secret) },
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as TokenBody).access_token;
}

export async function signingKey(alg: 'RS256' | 'PS256' | 'ES256' | 'EdDSA') {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: `k-${alg}`, alg };
  return { privateKey, jwk };
}

/** A private_key_jwt client (ES256 key in its JWKS) and a fresh client assertion (aud = issuer). */
export async function jwtClientWithAssertion(): Promise<{ client: TestClient; assertion: string }> {
  const key = await signingKey('ES256');
  const client = await createTestClient({
    authMethod: 'private_key_jwt',
    jwks: { keys: [key.jwk] },
  });
  const assertion = await new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid as string })
    .setIssuer(client.clientId)
    .setSubject(client.clientId)
    .setAudience(env.ISSUER)
    .setExpirationTime('1m')
    .sign(key.privateKey);
  return { client, assertion };
}
