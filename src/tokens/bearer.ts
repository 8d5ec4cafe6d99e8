/**
 * @module tokens/bearer
 * Checks an access token presented to a protected resource (userinfo; HAAPI later):
 * `Authorization: Bearer <token>` (RFC 6750 §2.1) or `DPoP <token>` with a proof (RFC 9449 §7).
 * A DPoP-bound token (`cnf.jkt`) must come with the DPoP scheme and a proof of that key with
 * `ath`; a certificate-bound one (`cnf.x5t#S256`) over a TLS connection with that certificate.
 * Failures are 401 `invalid_token` with the matching WWW-Authenticate challenge.
 */

import { OAuthError, type OAuthReason } from '../errors/oauth-error';
import type { Db } from '../storage/db';
import { isAccessTokenRevoked } from '../storage/revocations';
import { type AccessTokenClaims, verifyAccessTokenJwt } from './access-token';
import type { VerifiedProof } from './dpop-proof';
import type { KeySet } from './keys';

export interface PresentedToken {
  readonly scheme: 'Bearer' | 'DPoP';
  readonly token: string;
}

export function invalidToken(
  description: string,
  scheme: 'Bearer' | 'DPoP',
  reason: OAuthReason,
): OAuthError {
  return new OAuthError('invalid_token', description, {
    status: 401,
    reason,
    headers: {
      'WWW-Authenticate': `${scheme} error="invalid_token", error_description="${description}"`,
    },
  });
}

/** Reads the Authorization header; null when there is none. */
export function presentedToken(authorization: string | undefined): PresentedToken | null {
  if (!authorization) return null;
  const match = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim());
  if (!match)
    throw invalidToken(
      'The Authorization header is malformed',
      'Bearer',
      'malformed_authorization',
    );
  const scheme = (match[1] as string).toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  return { scheme, token: match[2] as string };
}

export interface ResourceCheck {
  readonly keys: KeySet;
  /** Revocations; null for single-use initial access tokens (see verifyAccessToken). */
  readonly db: Db | null;
  readonly issuer: string;
  readonly now: number;
  readonly presented: PresentedToken;
  /** Verifies the request's DPoP proof with `ath` for this token; null when there is none. */
  readonly dpop: (accessToken: string) => Promise<VerifiedProof | null>;
  /** `x5t#S256` of the TLS client certificate of this request, if any. */
  readonly certificateThumbprint: string | null;
  /** Accepts initial access tokens, MAC'd under this key (only the registration endpoint). */
  readonly macKey?: CryptoKey;
}

export async function checkAccessToken(check: ResourceCheck): Promise<AccessTokenClaims> {
  const { presented } = check;
  const claims = await verifyAccessTokenJwt(
    check.keys,
    presented.token,
    check.issuer,
    check.now,
    check.macKey,
  );
  const invalid = () =>
    invalidToken('The access token is invalid or expired', presented.scheme, 'bad_token');
  if (!claims) throw invalid();
  const jkt = claims.cnf?.jkt;
  // The revocation lookup (D1) and the proof's check (ReplayGuard) do not depend on each other:
  // they run side by side, and their outcomes are taken in the order the checks are listed.
  const [revoked, proofCheck] = await Promise.allSettled([
    check.db ? isAccessTokenRevoked(check.db, claims.jti) : false,
    jkt && presented.scheme === 'DPoP' ? check.dpop(presented.token) : null,
  ]);
  if (revoked.status === 'rejected') throw revoked.reason;
  if (revoked.value) throw invalid();
  if (jkt) {
    if (presented.scheme !== 'DPoP') {
      throw invalidToken('The access token is DPoP-bound', 'DPoP', 'bound_token_as_bearer');
    }
    if (proofCheck.status === 'rejected') throw proofCheck.reason;
    const proof = proofCheck.value;
    if (!proof) throw invalidToken('A DPoP proof is required', 'DPoP', 'missing_dpop_proof');
    if (proof.jkt !== jkt)
      throw invalidToken('The DPoP proof key does not match the token', 'DPoP', 'jkt_mismatch');
  } else if (presented.scheme === 'DPoP') {
    throw invalidToken('The access token is not DPoP-bound', 'Bearer', 'unbound_token_as_dpop');
  }
  const x5t = claims.cnf?.['x5t#S256'];
  if (x5t && x5t !== check.certificateThumbprint) {
    throw invalidToken(
      'The access token is bound to another certificate',
      presented.scheme,
      'x5t_mismatch',
    );
  }
  return claims;
}
