/**
 * @module tokens/id-token
 * OpenID Connect ID tokens (OIDC Core §2, §3.1.3.6): iss, sub, aud (the client), azp, iat, exp,
 * auth_time, nonce (echoed from the authorization request), acr, amr, cal and `at_hash` (the
 * left half of the SHA-256 of the access token, for the ES256/RS256/PS256 family).
 */
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
