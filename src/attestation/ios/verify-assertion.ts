/**
 * @module attestation/ios/verify-assertion
 * App Attest assertions (docs/attestation.md §2.3; Apple, "Assess the assertion"):
 *  1. "Compute clientDataHash as the SHA256 hash of clientData."  (the caller passes the hash)
 *  2. "Concatenate authenticatorData and clientDataHash, and apply a SHA256 hash over the result
 *     to form nonce."
 *  3. "Use the public key that you store from the attestation object to verify that the
 *     assertion's signature is valid for nonce." (ECDSA P-256 / SHA-256 with nonce as the message)
 *     → assertion_signature_invalid
 *  4. "Compute the SHA256 hash of the client's App ID, and verify that it matches the RP ID in the
 *     authenticator data." → rp_id_mismatch
 *  5. "Verify that the authenticator data's counter value is greater than the value from the
 *     previous assertion." → counter_not_increasing (the caller stores the new counter atomically).
 */
import { decodeCBOR } from '@levischuck/tiny-cbor';
import { timingSafeEqualBytes } from '../../crypto/constant-time';
import { sha256 } from '../../crypto/digest';
import { OID, verifySignature } from '../x509/signature';
import { parseAssertionAuthData } from './auth-data';

export type AssertionReason =
  | 'format_invalid'
  | 'assertion_signature_invalid'
  | 'rp_id_mismatch'
  | 'counter_not_increasing';

export type AssertionResult =
  | { readonly valid: true; readonly counter: number }
  | { readonly valid: false; readonly reason: AssertionReason };

export async function verifyAppAttestAssertion(
  assertion: Uint8Array,
  clientDataHash: Uint8Array,
  publicKeySpki: Uint8Array,
  appId: string,
  previousCounter: number,
): Promise<AssertionResult> {
  let signature: Uint8Array;
  let authenticatorData: Uint8Array;
  try {
    const decoded = decodeCBOR(assertion);
    if (!(decoded instanceof Map)) throw new Error('not a map');
    const sig = decoded.get('signature');
    const data = decoded.get('authenticatorData');
    if (!(sig instanceof Uint8Array) || !(data instanceof Uint8Array))
      throw new Error('members missing');
    signature = sig;
    authenticatorData = data;
  } catch {
    return { valid: false, reason: 'format_invalid' };
  }
  let head: ReturnType<typeof parseAssertionAuthData>;
  try {
    head = parseAssertionAuthData(authenticatorData);
  } catch {
    return { valid: false, reason: 'format_invalid' };
  }
  const message = new Uint8Array(authenticatorData.length + clientDataHash.length);
  message.set(authenticatorData);
  message.set(clientDataHash, authenticatorData.length);
  const nonce = await sha256(message);
  // The stored key is the P-256 key App Attest attested; the signature is ECDSA-SHA256 (DER).
  const key = { spki: publicKeySpki, algorithm: OID.ecPublicKey, parameters: OID.p256 };
  const verified = await verifySignature(key, OID.ecdsaSha256, signature, nonce);
  if (!verified) return { valid: false, reason: 'assertion_signature_invalid' };
  if (!timingSafeEqualBytes(await sha256(appId), head.rpIdHash))
    return { valid: false, reason: 'rp_id_mismatch' };
  if (head.signCount <= previousCounter) return { valid: false, reason: 'counter_not_increasing' };
  return { valid: true, counter: head.signCount };
}
