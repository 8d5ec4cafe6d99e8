/**
 * @module tokens/refresh-token
 * Refresh tokens are `<family id>.<generation>.<MAC>`: the MAC (HMAC-SHA256 with a key derived
 * from SERVER_SECRET) makes them unforgeable, and the generation says where in the rotation chain
 * a token is, so no token needs to be stored. Only the family's current generation refreshes
 * (RFC 9700 §4.14.2: rotation with reuse detection); see grants/refresh-token.ts.
 */
import { decodeBase64Url, encodeBase64Url } from '../crypto/base64url';
import { timingSafeEqualBytes } from '../crypto/constant-time';
import { derivedHmacKey, hmacSha256 } from '../crypto/hmac';

async function mac(
  serverSecret: string,
  familyId: string,
  generation: number,
): Promise<Uint8Array> {
  return hmacSha256(
    await derivedHmacKey(serverSecret, 'refresh-token'),
    `${familyId}.${generation}`,
  );
}

export async function formatRefreshToken(
  serverSecret: string,
  familyId: string,
  generation: number,
): Promise<string> {
  return `${familyId}.${generation}.${encodeBase64Url(await mac(serverSecret, familyId, generation))}`;
}

/** The family and generation of a genuine refresh token; null for anything else. */
export async function parseRefreshToken(
  serverSecret: string,
  token: string,
): Promise<{ familyId: string; generation: number } | null> {
  const match = /^([A-Za-z0-9_-]{16,64})\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const familyId = match[1] as string;
  const generation = Number(match[2]);
  const presented = decodeBase64Url(match[3] as string);
  if (
    !presented ||
    !timingSafeEqualBytes(presented, await mac(serverSecret, familyId, generation))
  ) {
    return null;
  }
  return { familyId, generation };
}
