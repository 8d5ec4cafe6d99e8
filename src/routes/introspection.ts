/**
 * @module routes/introspection
 * POST <INTROSPECTION_PATH> (RFC 7662): authenticated confidential clients only (public clients
 * get invalid_client). Access tokens are introspected for any such client (resource servers);
 * refresh tokens only for the client they were issued to. Anything else is `{"active": false}`.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { clientAuthFailed } from '../clients/auth/failure';
import { OAuthError } from '../errors/oauth-error';
import { inspectToken } from '../tokens/inspect-token';
import { loadKeySet } from '../tokens/keys';
import { tokenCors } from './cors';
import { readOAuthForm } from './request-body';
import { authenticate, nowSeconds } from './request-context';

export const introspectionRoutes = new Hono<AppEnv>().use(tokenCors()).post('/', async (c) => {
  const settings = c.get('settings');
  const now = nowSeconds();
  const form = await readOAuthForm(c);
  const client = await authenticate(c, form, settings.endpoints.introspection, now);
  c.set('clientOrigins', client.client.allowedOrigins);
  if (client.method === 'none') throw clientAuthFailed('public_client_with_credentials');
  const token = form.get('token');
  if (!token) throw new OAuthError('invalid_request', 'The token parameter is missing');
  c.header('Cache-Control', 'no-store');
  const inspected = await inspectToken(
    settings,
    await loadKeySet(settings.signingKeys),
    c.env.DB,
    token,
    now,
  );

  if (inspected.kind === 'access_token') {
    const { claims } = inspected;
    return c.json({
      active: true,
      token_type: claims.cnf?.jkt ? 'DPoP' : 'Bearer',
      ...claims,
    });
  }
  if (
    inspected.kind === 'refresh_token' &&
    inspected.active &&
    inspected.family.clientId === client.client.clientId
  ) {
    const { family } = inspected;
    return c.json({
      active: true,
      token_type: 'refresh_token',
      client_id: family.clientId,
      sub: family.subject,
      scope: family.scope.join(' '),
      iss: settings.issuer,
      exp: family.expiresAt,
      iat: family.rotatedAt ?? family.createdAt,
      ...(family.cnfJkt ? { cnf: { jkt: family.cnfJkt } } : {}),
    });
  }
  return c.json({ active: false });
});
