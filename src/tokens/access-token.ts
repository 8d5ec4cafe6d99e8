/**
 * @module tokens/access-token
 * JWT access tokens (RFC 9068): `typ` at+jwt, signed with the current key. Claims: iss, sub, aud,
 * client_id, iat, exp, jti, scope, the claims the CLAIMS mapping releases (auth_time, acr, amr,
 * cal, ...) and
 * `cnf` for sender-constrained tokens (`jkt` for DPoP, RFC 9449 §6; `x5t#S256` for mTLS,
 * RFC 8705 §3). Verification checks signature, typ, issuer, expiry and the revocation list.
 *
 * The initial access token (scope `dcr`) is verified by this server only, never by a resource
 * server: it is MAC'd (HS256) under a key derived from SERVER_SECRET instead of signed, which
 * makes minting and checking it a hash rather than a signature. A MAC'd token is accepted only
 * where the caller passes that key (registration, introspection, revocation) and only with the
 * scope `dcr`.
 */

import { type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { derivedHmacKey } from '../crypto/hmac';
import { randomToken } from '../crypto/random';
import type { Db } from '../storage/db';
import { isAccessTokenRevoked } from '../storage/revocations';
import type { AuthContext } from './auth-context';
import { type KeySet, signJwt } from './keys';

export interface Confirmation {
  readonly jkt?: string;
  readonly 'x5t#S256'?: string;
}

export interface AccessTokenInput {
  readonly issuer: string;
  readonly audience: string;
  readonly clientId: string;
  readonly scope: readonly string[];
  readonly auth: AuthContext;
  readonly cnf?: Confirmation;
  readonly ttl: number;
  readonly now: number;
  /** Fixed id and issue time (a refresh retry inside the grace window re-issues the same token). */
  readonly jti?: string;
  /** Further claims; they cannot replace the registered ones above. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Set for the initial access token: MAC'd under this key (issuerOnlyKey) instead of signed. */
  readonly macKey?: CryptoKey;
}

/** The algorithm of tokens only this server verifies, and their only scope. */
export const ISSUER_ONLY_ALGORITHM = 'HS256';
const ISSUER_ONLY_SCOPE = 'dcr';

/** The key of tokens only this server verifies (the initial access token). */
export function issuerOnlyKey(serverSecret: string): Promise<CryptoKey> {
  return derivedHmacKey(serverSecret, 'initial-access-token');
}

export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  client_id: string;
  jti: string;
  iat: number;
  exp: number;
  scope?: string;
  cnf?: Confirmation;
}

export async function mintAccessToken(
  keys: KeySet,
  input: AccessTokenInput,
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const claims: AccessTokenClaims = {
    ...input.claims,
    iss: input.issuer,
    sub: input.auth.subject,
    aud: input.audience,
    client_id: input.clientId,
    iat: input.now,
    exp: input.now + input.ttl,
    jti: input.jti ?? randomToken(16),
  };
  if (input.scope.length > 0) claims.scope = input.scope.join(' ');
  if (input.cnf && (input.cnf.jkt || input.cnf['x5t#S256'])) claims.cnf = { ...input.cnf };
  if (input.macKey) {
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ISSUER_ONLY_ALGORITHM, typ: 'at+jwt' })
      .sign(input.macKey);
    return { token, claims };
  }
  return { token: await signJwt(keys, claims, 'at+jwt'), claims };
}

/**
 * Verifies one of our access tokens; null when it is not valid (any reason). `db` is where
 * revocations are looked up; null only for initial access tokens at registration, whose
 * transaction finds a used or revoked one itself (storage/dynamic-clients.ts).
 */
export async function verifyAccessToken(
  keys: KeySet,
  db: Db | null,
  token: string,
  issuer: string,
  now: number,
  macKey?: CryptoKey,
): Promise<AccessTokenClaims | null> {
  const claims = await verifyAccessTokenJwt(keys, token, issuer, now, macKey);
  if (!claims) return null;
  if (db && (await isAccessTokenRevoked(db, claims.jti))) return null;
  return claims;
}

/**
 * Claims of signed access tokens this isolate has verified, per key set and by the exact token
 * text: an app sends the same AAT with every HAAPI request, and its signature need not be checked
 * again while it lives. A hit still checks expiry and issuer as verification would; a new key set
 * (SIGNING_KEYS changed) starts empty; MAC'd tokens are never kept (they are single use).
 */
const verifiedTokens = new WeakMap<KeySet, Map<string, AccessTokenClaims>>();
const VERIFIED_TOKENS_MAX = 2000;

function rememberedClaims(
  keys: KeySet,
  token: string,
  issuer: string,
  now: number,
): AccessTokenClaims | null | undefined {
  const claims = verifiedTokens.get(keys)?.get(token);
  if (!claims || claims.iss !== issuer) return undefined;
  // Expired as jwtVerify would find it (exp must be after now).
  return claims.exp > now ? claims : null;
}

function remember(keys: KeySet, token: string, claims: AccessTokenClaims): void {
  let tokens = verifiedTokens.get(keys);
  if (!tokens) {
    tokens = new Map();
    verifiedTokens.set(keys, tokens);
  }
  if (tokens.size >= VERIFIED_TOKENS_MAX) tokens.delete(tokens.keys().next().value as string);
  tokens.set(token, claims);
}

/** A verified token's claims, frozen (they may be handed out again from the cache). */
function frozen(payload: JWTPayload): AccessTokenClaims {
  if (payload.cnf && typeof payload.cnf === 'object') Object.freeze(payload.cnf);
  return Object.freeze(payload) as AccessTokenClaims;
}

/**
 * The signature (or, given `macKey`, the MAC of an initial access token) and claims of one of our
 * access tokens, without the revocation lookup.
 */
export async function verifyAccessTokenJwt(
  keys: KeySet,
  token: string,
  issuer: string,
  now: number,
  macKey?: CryptoKey,
): Promise<AccessTokenClaims | null> {
  const known = rememberedClaims(keys, token, issuer, now);
  if (known !== undefined) return known;
  const algorithms: string[] = keys.all.map((k) => k.alg);
  if (macKey) algorithms.push(ISSUER_ONLY_ALGORITHM);
  let verified: Awaited<ReturnType<typeof jwtVerify>>;
  try {
    verified = await jwtVerify(
      token,
      (header, jws) =>
        header.alg === ISSUER_ONLY_ALGORITHM && macKey
          ? macKey
          : keys.verificationKeys(header, jws),
      {
        issuer,
        typ: 'at+jwt',
        algorithms,
        currentDate: new Date(now * 1000),
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id'],
      },
    );
  } catch {
    return null;
  }
  const { payload, protectedHeader } = verified;
  if (protectedHeader.alg === ISSUER_ONLY_ALGORITHM)
    return payload.scope === ISSUER_ONLY_SCOPE ? (payload as AccessTokenClaims) : null;
  const claims = frozen(payload);
  remember(keys, token, claims);
  return claims;
}
