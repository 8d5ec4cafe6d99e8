/**
 * @module routes/revocation
 * POST <REVOCATION_PATH> (RFC 7009): a client revokes its own refresh token (the whole family and
 * its last access token) or access token. Public clients authenticate with their client_id. The
 * answer is 200 whether or not the token was known (§2.2); `token_type_hint` is only a hint.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { DCR_SCOPE } from '../clients/initial-access-token';
import { OAuthError } from '../errors/oauth-error';
import { securityEvent } from '../observability/events';
import { guardObject, useOnce } from '../replay/use-once';
import { revokeFamily } from '../storage/refresh-families';
import { revokeAccessToken } from '../storage/revocations';
import { inspectToken } from '../tokens/inspect-token';
import { loadKeySet } from '../tokens/keys';
import { tokenCors } from './cors';
import { readOAuthForm } from './request-body';
import { authenticate, familiesOf, nowSeconds, requireDeviceKey } from './request-context';

export const revocationRoutes = new Hono<AppEnv>().use(tokenCors()).post('/', async (c) => {
  const settings = c.get('settings');
  const now = nowSeconds();
  const form = await readOAuthForm(c);
  const client = await authenticate(c, form, settings.endpoints.revocation, now);
  c.set('clientOrigins', client.client.allowedOrigins);
  await requireDeviceKey(c, client, now);
  const token = form.get('token');
  if (!token) throw new OAuthError('invalid_request', 'The token parameter is missing');
  const db = c.get('db');
  const inspected = await inspectToken(
    settings,
    await loadKeySet(settings.signingKeys),
    db,
    token,
    now,
    familiesOf(c),
  );
  const clientId = client.client.clientId;
  if (inspected.kind === 'refresh_token' && inspected.family.clientId === clientId) {
    const { family } = inspected;
    await revokeFamily(familiesOf(c), family.familyId, 'revoked_by_client', now);
    if (family.accessJti) {
      const ttl = client.client.accessTokenTtl ?? settings.accessTokenTtl;
      await revokeAccessToken(
        db,
        family.accessJti,
        (family.rotatedAt ?? family.createdAt) + ttl,
        now,
      );
    }
  } else if (inspected.kind === 'access_token' && inspected.claims.client_id === clientId) {
    const { jti, exp, scope } = inspected.claims;
    await revokeAccessToken(db, jti, exp, now);
    // An initial access token is checked by its single use, not by the revocation list: revoking
    // it uses it up (src/clients/registration.ts).
    if ((scope ?? '').split(' ').includes(DCR_SCOPE)) {
      await useOnce(
        c.env.REPLAY_GUARD,
        'initial-access-token',
        jti,
        Math.max(exp - now + 1, 1),
        guardObject(inspected.claims.grd),
      );
    }
  }
  if (inspected.kind !== 'unknown') {
    securityEvent(c.env.EVENTS, 'token.revoked', {
      requestId: c.get('requestId'),
      clientId,
      kind: inspected.kind,
    });
  }
  c.header('Cache-Control', 'no-store');
  return c.body(null, 200);
});
