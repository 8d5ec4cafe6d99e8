/**
 * @module tokens/pkce
 * PKCE (RFC 7636): the verifier is 43–128 characters of [A-Z a-z 0-9 - . _ ~] (§4.1), and S256
 * is the only method (§4.2; `plain` is refused, RFC 9700 §2.1.1).
 */

import { timingSafeEqualStrings } from '../crypto/constant-time';
import { sha256Base64Url } from '../crypto/digest';

const VERIFIER_OR_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isValidCodeChallenge(challenge: string): boolean {
  return VERIFIER_OR_CHALLENGE.test(challenge) && challenge.length === 43;
}

/** A verifier of the RFC 7636 §4.1 form (its hash is compared where the code is kept). */
export function isWellFormedVerifier(verifier: string): boolean {
  return VERIFIER_OR_CHALLENGE.test(verifier);
}

export async function verifyCodeVerifier(verifier: string, challenge: string): Promise<boolean> {
  if (!VERIFIER_OR_CHALLENGE.test(verifier)) return false;
  return timingSafeEqualStrings(await sha256Base64Url(verifier), challenge);
}
