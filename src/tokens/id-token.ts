/**
 * @module tokens/id-token
 * OpenID Connect ID tokens (OIDC Core §2, §3.1.3.6): iss, sub, aud (the client), azp, iat, exp,
 * auth_time, nonce (echoed from the authorization request), acr, amr, cal and `at_hash` (the
 * left half of the SHA-256 of the access token, for the ES256/RS256/PS256 family).
 */
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { encodeBase64Url } from '../crypto/base64url';
import { sha256, sha512 } from '../crypto/digest';
import type { AuthContext } from './auth-context';
import { type KeySet, signingKeyAt, signJwt } from './keys';

export interface IdTokenInput {
  readonly issuer: string;
  readonly clientId: string;
  readonly auth: AuthContext;
  readonly nonce?: string;
  readonly accessToken: string;
  /** The claims the CLAIMS mapping releases into ID tokens for the granted scopes. */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly ttl: number;
  readonly now: number;
}

/** `at_hash` (OIDC Core §3.1.3.6); EdDSA (Ed25519) uses SHA-512 per OIDC errata, others SHA-256. */
export async function atHash(accessToken: string, alg: string): Promise<string> {
  const bytes = new TextEncoder().encode(accessToken);
  const digest = alg === 'EdDSA' ? await sha512(bytes) : await sha256(bytes);
  return encodeBase64Url(digest.slice(0, digest.length / 2));
}

export async function mintIdToken(keys: KeySet, input: IdTokenInput): Promise<string> {
  const claims: Record<string, unknown> = {
    ...input.claims,
    iss: input.issuer,
    sub: input.auth.subject,
    aud: input.clientId,
    azp: input.clientId,
    iat: input.now,
    exp: input.now + input.ttl,
    at_hash: await atHash(input.accessToken, signingKeyAt(keys, Math.floor(Date.now() / 1000)).alg),
  };
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  return signJwt(keys, claims, 'JWT');
}

/**
 * An `id_token_hint` (OIDC Core §3.1.2.1; RP-Initiated Logout 1.0 §2): one of our ID tokens,
 * signature and issuer checked; an expired one is still a good hint (the user may come back to
 * log out long after it expired). Returns its subject and client, or null.
 */
export async function verifyIdTokenHint(
  keys: KeySet,
  token: string,
  issuer: string,
): Promise<{ subject: string; clientId: string } | null> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys.verificationKeys, {
      issuer,
      typ: 'JWT',
      algorithms: keys.all.map((k) => k.alg),
      requiredClaims: ['sub', 'aud', 'at_hash'],
    }));
  } catch (err) {
    if (!(err instanceof errors.JWTExpired)) return null;
    payload = err.payload;
    if (payload.iss !== issuer) return null;
  }
  const aud = Array.isArray(payload.aud) && payload.aud.length === 1 ? payload.aud[0] : payload.aud;
  if (typeof payload.sub !== 'string' || typeof aud !== 'string') return null;
  return { subject: payload.sub, clientId: aud };
}
