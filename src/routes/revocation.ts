/**
 * @module routes/revocation
 * POST <REVOCATION_PATH> (RFC 7009): the HTTP side of a client revoking its own token
 * (tokens/revoke-token.ts). Public clients authenticate with their client_id. The answer is 200
 * whether or not the token was known (§2.2); `token_type_hint` is only a hint.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { OAuthError } from '../errors/oauth-error';
import { securityEvent } from '../observability/events';
import { inspectToken } from '../tokens/inspect-token';
import { loadKeySet } from '../tokens/keys';
import { revokeToken } from '../tokens/revoke-token';
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
  await revokeToken(
    { settings, db, families: familiesOf(c), now },
    inspected,
    clientId,
    client.client.accessTokenTtl,
  );
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
