/**
 * @module tokens/inspect-token
 * Finds out what a presented token is (one of our access tokens or refresh tokens) and whether it
 * is active; shared by introspection (RFC 7662) and revocation (RFC 7009).
 */

import type { Settings } from '../config/settings';
import type { Db } from '../storage/db';
import { type FamilyStore, findFamily, type RefreshFamily } from '../storage/refresh-families';
import { type AccessTokenClaims, issuerOnlyKey, verifyAccessToken } from './access-token';
import type { KeySet } from './keys';
import { parseRefreshToken } from './refresh-token';

export type InspectedToken =
  | { kind: 'access_token'; claims: AccessTokenClaims }
  | { kind: 'refresh_token'; family: RefreshFamily; generation: number; active: boolean }
  | { kind: 'unknown' };

export async function inspectToken(
  settings: Settings,
  keys: KeySet,
  db: Db,
  token: string,
  now: number,
  families: FamilyStore,
): Promise<InspectedToken> {
  const refresh = await parseRefreshToken(settings.serverSecret, token);
  if (refresh) {
    const family = await findFamily(families, refresh.familyId);
    if (!family) return { kind: 'unknown' };
    const active =
      family.revokedAt === null &&
      family.expiresAt > now &&
      family.generation === refresh.generation;
    return { kind: 'refresh_token', family, generation: refresh.generation, active };
  }
  const macKey = await issuerOnlyKey(settings.serverSecret);
  const claims = await verifyAccessToken(keys, db, token, settings.issuer, now, macKey);
  return claims ? { kind: 'access_token', claims } : { kind: 'unknown' };
}
