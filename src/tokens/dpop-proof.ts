/**
 * @module tokens/dpop-proof
 * Verification of DPoP proofs (RFC 9449 §4.3), used by the token endpoint and by every endpoint
 * that accepts a DPoP-bound token (userinfo, HAAPI). Checks, in the RFC's order:
 *  1. exactly one `DPoP` header;  2. a well-formed JWT;  3. `typ` is `dpop+jwt`;
 *  4. `alg` is an allowed asymmetric algorithm;  5. the signature verifies with the `jwk` header;
 *  6. `jwk` holds no private key;  7. `htm` is the request method;  8. `htu` is the request URI
 *  without query and fragment;  9. `nonce` is a current server nonce (when required);
 *  10. `iat` is inside the window;  11. `ath` is the hash of the presented access token;
 *  12. `jti` was not used before (ReplayGuard: the object of the proof's key).
 * Failures throw OAuthError `invalid_dpop_proof` / `use_dpop_nonce` with an internal reason.
 */
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors,
  type JWK,
  jwtVerify,
} from 'jose';
import type { ReplayGuard } from '../../durable-objects/replay-guard';
import { sha256Base64Url } from '../crypto/digest';
import { OAuthError } from '../errors/oauth-error';
import { keyObject, useOnce } from '../replay/use-once';
import { currentNonce, isValidNonce, type NonceOptions } from './dpop-nonce';

export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'] as const;

export type { DpopReason } from '../errors/reasons';

import type { DpopReason } from '../errors/reasons';

export interface DpopCheck {
  readonly proof: string;
  readonly method: string;
  readonly url: string;
  readonly now: number;
  /** The access token presented with the proof, if any (then `ath` is required). */
  readonly accessToken?: string;
  readonly nonce: NonceOptions & { readonly required: boolean };
  readonly maxAge: number;
  readonly replayGuard: DurableObjectNamespace<ReplayGuard>;
  /** Where the error is reported: 400 at the token endpoint, 401 at a protected resource. */
  readonly at: 'token-endpoint' | 'resource';
}

export interface VerifiedProof {
  readonly jwk: JWK;
  /** JWK SHA-256 thumbprint (RFC 7638): the `cnf.jkt` of bound tokens. */
  readonly jkt: string;
}

/** Reads the single DPoP header value; null when absent. */
export function dpopHeader(headers: Headers): string | null {
  const value = headers.get('DPoP');
  if (value === null) return null;
  // Headers joins repeated fields with ", "; a compact JWT never contains a comma.
  if (value.includes(','))
    throw dpopError('multiple_headers', 'Only one DPoP proof is allowed', 'token-endpoint');
  return value.trim();
}

export async function verifyDpopProof(check: DpopCheck): Promise<VerifiedProof> {
  const fail = (reason: DpopReason, description: string) =>
    dpopError(reason, description, check.at);
  if (check.proof.includes(',')) throw fail('multiple_headers', 'Only one DPoP proof is allowed');

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(check.proof);
  } catch {
    throw fail('malformed', 'The DPoP proof is not a JWT');
  }
  if (header.typ !== 'dpop+jwt') throw fail('bad_typ', 'The DPoP proof typ must be dpop+jwt');
  if (!(DPOP_ALGORITHMS as readonly string[]).includes(String(header.alg))) {
    throw fail('bad_alg', 'The DPoP proof alg is not supported');
  }
  const jwk = header.jwk;
  if (!jwk || typeof jwk !== 'object') throw fail('malformed', 'The DPoP proof has no jwk header');
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) {
    throw fail('private_jwk', 'The DPoP proof jwk must be a public key');
  }

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(check.proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...DPOP_ALGORITHMS],
      // iat is checked below with our own window; exp/nbf are not part of DPoP.
      currentDate: new Date(check.now * 1000),
    }));
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      throw fail('bad_signature', 'The DPoP proof signature is invalid');
    }
    throw fail('malformed', 'The DPoP proof is invalid');
  }

  if (payload.htm !== check.method) throw fail('bad_htm', 'The DPoP proof htm does not match');
  if (typeof payload.htu !== 'string' || !sameHtu(payload.htu, check.url)) {
    throw fail('bad_htu', 'The DPoP proof htu does not match');
  }
  if (check.nonce.required || payload.nonce !== undefined) {
    if (payload.nonce === undefined) {
      throw await nonceError(check, 'missing_nonce', 'A DPoP nonce is required');
    }
    if (
      typeof payload.nonce !== 'string' ||
      !(await isValidNonce(check.nonce, payload.nonce, check.now))
    ) {
      throw await nonceError(check, 'bad_nonce', 'The DPoP nonce is invalid or expired');
    }
  }
  const iat = payload.iat;
  const skew = Math.ceil(check.maxAge / 5);
  if (typeof iat !== 'number' || iat < check.now - check.maxAge || iat > check.now + skew) {
    throw fail('bad_iat', 'The DPoP proof iat is outside the accepted window');
  }
  if (check.accessToken !== undefined) {
    if (payload.ath !== (await sha256Base64Url(check.accessToken))) {
      throw fail('bad_ath', 'The DPoP proof ath does not match the access token');
    }
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
    throw fail('missing_jti', 'The DPoP proof jti is missing');
  }
  const jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256');
  // Kept in the key's own object (RFC 9449 §11.1: per key is enough), which the key's first
  // proof created near its device: no proof waits on far storage.
  const use = await useOnce(
    check.replayGuard,
    'dpop-jti',
    `${jkt}:${payload.jti}`,
    check.maxAge + skew,
    keyObject(jkt),
  );
  if (use !== 'first-use') throw fail('replayed_jti', 'The DPoP proof was used before');
  return { jwk: jwk as JWK, jkt };
}

/** RFC 9449 §4.3 (9): htu equals the request URI without query and fragment (RFC 3986 §6.2). */
function sameHtu(htu: string, requestUrl: string): boolean {
  try {
    const a = new URL(htu);
    const b = new URL(requestUrl);
    return a.origin === b.origin && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

function dpopError(reason: DpopReason, description: string, at: DpopCheck['at']): OAuthError {
  const status = at === 'resource' ? 401 : 400;
  const headers: Record<string, string> =
    at === 'resource'
      ? {
          'WWW-Authenticate': `DPoP error="invalid_dpop_proof", algs="${DPOP_ALGORITHMS.join(' ')}"`,
        }
      : {};
  return new OAuthError('invalid_dpop_proof', description, { status, headers, reason });
}

async function nonceError(
  check: DpopCheck,
  reason: DpopReason,
  description: string,
): Promise<OAuthError> {
  const headers: Record<string, string> = {
    'DPoP-Nonce': await currentNonce(check.nonce, check.now),
  };
  if (check.at === 'resource') headers['WWW-Authenticate'] = 'DPoP error="use_dpop_nonce"';
  return new OAuthError('use_dpop_nonce', description, {
    status: check.at === 'resource' ? 401 : 400,
    headers,
    reason,
  });
}
