/**
 * @module attestation/cat
 * The client attestation token (CAT, docs/haapi-protocol.md §2.1 step B): a short-lived JWT we
 * sign after a successful attestation, naming the client (`sub`), the attested DPoP key
 * (`cnf.jkt`), the platform and the evidence. It is presented once, as the client assertion of
 * the AAT request (`client_assertion_type=urn:se:curity:attestation:client`).
 */
import { jwtVerify } from 'jose';
import { randomToken } from '../crypto/random';
import { type KeySet, signJwt } from '../tokens/keys';
import type { Evidence } from './attest';

export const CAT_TYPE = 'cat+jwt';
export const ATTESTATION_ASSERTION_TYPE = 'urn:se:curity:attestation:client';

export interface CatClaims {
  readonly sub: string;
  readonly jti: string;
  readonly exp: number;
  readonly cnf: { readonly jkt: string };
  readonly platform: string;
  readonly policy: string;
  readonly att: Evidence;
}

export function mintCat(
  keys: KeySet,
  input: {
    issuer: string;
    audience: string;
    clientId: string;
    jkt: string;
    platform: string;
    policy: string;
    evidence: Evidence;
    now: number;
    ttl: number;
  },
): Promise<string> {
  return signJwt(
    keys,
    {
      iss: input.issuer,
      aud: input.audience,
      sub: input.clientId,
      iat: input.now,
      exp: input.now + input.ttl,
      jti: randomToken(16),
      cnf: { jkt: input.jkt },
      platform: input.platform,
      policy: input.policy,
      att: { ...input.evidence },
    },
    CAT_TYPE,
  );
}

/** Verifies a CAT we issued; null when it is not one, or has expired. */
export async function verifyCat(
  keys: KeySet,
  cat: string,
  issuer: string,
  audience: string,
  now: number,
): Promise<CatClaims | null> {
  try {
    const { payload } = await jwtVerify(cat, keys.verificationKeys, {
      issuer,
      audience,
      typ: CAT_TYPE,
      algorithms: keys.all.map((k) => k.alg),
      currentDate: new Date(now * 1000),
      requiredClaims: ['sub', 'jti', 'exp', 'cnf'],
    });
    const claims = payload as unknown as CatClaims;
    if (typeof claims.cnf?.jkt !== 'string' || typeof claims.platform !== 'string') return null;
    return claims;
  } catch {
    return null;
  }
}
