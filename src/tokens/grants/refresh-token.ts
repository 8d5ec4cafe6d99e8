/**
 * @module tokens/grants/refresh-token
 * `refresh_token` (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2):
 *  - the family's current token rotates: a new refresh token (next generation) and access token;
 *  - the previous token inside REFRESH_TOKEN_GRACE after the rotation (a retry after a lost
 *    response) gets the same answer again: the same refresh token and an access token with the
 *    same id, issue time and expiry;
 *  - any other earlier token (reuse) revokes the whole family and its last access token;
 *  - the token belongs to the authenticated client, its family is live, a DPoP-bound family
 *    refreshes only with a proof of the same key (RFC 9449 §5), and a narrower `scope` may be asked.
 */

import { randomToken } from '../../crypto/random';
import { OAuthError, type OAuthReason } from '../../errors/oauth-error';
import {
  findFamily,
  type RefreshFamily,
  revokeFamily,
  rotateFamily,
} from '../../storage/refresh-families';
import { revokeAccessToken } from '../../storage/revocations';
import { mintAccessToken } from '../access-token';
import { releasedClaims } from '../claims-mapping';
import { accessTokenTtl, confirmationOf } from '../issue-tokens';
import { formatRefreshToken, parseRefreshToken } from '../refresh-token';
import { grantScope, parseScope } from '../scope';
import { familyStore, type GrantContext, type GrantHandler } from './context';
import { requireAssurance } from './required-assurance';

const invalid = (description: string, reason: OAuthReason) =>
  new OAuthError('invalid_grant', description, { reason });

export const refreshTokenGrant: GrantHandler = async (context) => {
  const { form, settings, now, client } = context;
  // Rotation and reuse detection work on the primary: a replica's older generation would look
  // like a reuse and revoke a good family (storage/db.ts).
  const db = context.primary;
  const token = form.get('refresh_token');
  if (!token) throw new OAuthError('invalid_request', 'The refresh_token parameter is missing');
  const parsed = await parseRefreshToken(settings.serverSecret, token);
  if (!parsed) throw invalid('The refresh token is invalid', 'bad_refresh_token');
  const families = familyStore(context);
  let family = await findFamily(families, parsed.familyId);
  if (!family || family.clientId !== client.client.clientId) {
    throw invalid('The refresh token is invalid', 'refresh_token_unknown_or_other_client');
  }
  if (family.revokedAt !== null) throw invalid('The refresh token was revoked', 'family_revoked');
  if (family.expiresAt <= now) throw invalid('The refresh token has expired', 'family_expired');
  if (family.cnfJkt && context.dpop?.jkt !== family.cnfJkt) {
    throw new OAuthError('invalid_dpop_proof', 'The refresh token is bound to another DPoP key', {
      reason: 'refresh_dpop_mismatch',
    });
  }
  const scope = grantScope(parseScope(form.get('scope')), family.scope);
  requireAssurance(context, family.auth.cal ?? 'none', scope);

  if (parsed.generation === family.generation) {
    const jti = randomToken(16);
    if (await rotateFamily(families, family, jti, now)) {
      return respond(context, family, family.generation + 1, scope, jti, now);
    }
    // A concurrent request rotated first: this one is now a retry of the previous token.
    family = (await findFamily(families, family.familyId)) as RefreshFamily;
  }
  const rotatedAt = family.rotatedAt ?? family.createdAt;
  if (
    parsed.generation === family.generation - 1 &&
    now <= rotatedAt + settings.refreshTokenGrace &&
    family.revokedAt === null &&
    family.accessJti
  ) {
    return respond(context, family, family.generation, family.scope, family.accessJti, rotatedAt);
  }
  await revokeFamily(families, family.familyId, 'refresh_token_reused', now);
  if (family.accessJti) {
    await revokeAccessToken(db, family.accessJti, rotatedAt + accessTokenTtl(context), now);
  }
  throw invalid('The refresh token was already used', 'refresh_token_reused');
};

async function respond(
  context: GrantContext,
  family: RefreshFamily,
  generation: number,
  scope: readonly string[],
  jti: string,
  issuedAt: number,
): Promise<Record<string, unknown>> {
  const cnf = family.cnfJkt ? { jkt: family.cnfJkt } : confirmationOf(context);
  const ttl = accessTokenTtl(context);
  const access = await mintAccessToken(context.keys, {
    issuer: context.settings.issuer,
    audience: context.settings.issuer,
    clientId: family.clientId,
    scope,
    auth: family.auth,
    cnf,
    ttl,
    now: issuedAt,
    jti,
    claims: releasedClaims(context.settings.claims, 'access_token', scope, family.auth),
  });
  return {
    access_token: access.token,
    token_type: cnf?.jkt ? 'DPoP' : 'Bearer',
    expires_in: issuedAt + ttl - context.now,
    scope: scope.join(' '),
    refresh_token: await formatRefreshToken(
      context.settings.serverSecret,
      family.familyId,
      generation,
    ),
  };
}
