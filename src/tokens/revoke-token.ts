/**
 * @module tokens/revoke-token
 * RFC 7009 token revocation, for the client that owns the token: a refresh token revokes its
 * whole family and the family's last access token; an access token goes on the revocation list,
 * which is also where an initial access token's single use is kept (storage/dynamic-clients.ts),
 * so a revoked one cannot register. A token of another client, or no token at all, changes nothing:
 * the endpoint answers the same either way (§2.2).
 */
import type { Settings } from '../config/settings';
import type { Db } from '../storage/db';
import { type FamilyStore, revokeFamily } from '../storage/refresh-families';
import { revokeAccessToken } from '../storage/revocations';
import type { InspectedToken } from './inspect-token';

export interface RevocationContext {
  readonly settings: Settings;
  readonly db: Db;
  readonly families: FamilyStore;
  readonly now: number;
}

/** Revokes `inspected` if `clientId` owns it; returns whether it did. */
export async function revokeToken(
  ctx: RevocationContext,
  inspected: InspectedToken,
  clientId: string,
  clientAccessTokenTtl: number | null,
): Promise<boolean> {
  const { db, now } = ctx;
  if (inspected.kind === 'refresh_token' && inspected.family.clientId === clientId) {
    const { family } = inspected;
    await revokeFamily(ctx.families, family.familyId, 'revoked_by_client', now);
    if (family.accessJti) {
      const ttl = clientAccessTokenTtl ?? ctx.settings.accessTokenTtl;
      await revokeAccessToken(
        db,
        family.accessJti,
        (family.rotatedAt ?? family.createdAt) + ttl,
        now,
      );
    }
    return true;
  }
  if (inspected.kind === 'access_token' && inspected.claims.client_id === clientId) {
    const { jti, exp } = inspected.claims;
    await revokeAccessToken(db, jti, exp, now);
    return true;
  }
  return false;
}
