/**
 * @module constant-time
 * Constant-time comparison of secrets: both sides are hashed first so that their lengths do not
 * leak, then compared with workerd's `crypto.subtle.timingSafeEqual`.
 */
import { sha256 } from './digest';

export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([sha256(a), sha256(b)]);
  return timingSafeEqualBytes(left, right);
}

/** Compares two byte strings of equal length in constant time; unequal lengths are unequal. */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (a: Uint8Array, b: Uint8Array) => boolean;
  };
  if (typeof subtle.timingSafeEqual === 'function') return subtle.timingSafeEqual(a, b);
  // Outside workerd (the command-line diagnostic under Node): the same comparison by hand.
  let difference = 0;
  for (let i = 0; i < a.byteLength; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}
