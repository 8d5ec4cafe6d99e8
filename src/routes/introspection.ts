/**
 * @module routes/introspection
 * POST <INTROSPECTION_PATH> (RFC 7662): confidential clients with real credentials only (a
 * secret, a JWT assertion, a client certificate; never a CAT, nor a public client: invalid_client).
 * A client sees only its own tokens; a resource server (capability `introspection`) sees every
 * access token. Refresh tokens only for the client they were issued to. Anything else is
 * `{"active": false}`.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { clientAuthFailed } from '../clients/auth/failure';
import { isUsable } from '../clients/client';
import { OAuthError } from '../errors/oauth-error';
import { findClient } from '../storage/clients';
import { inspectToken } from '../tokens/inspect-token';
import { loadKeySet } from '../tokens/keys';
import { tokenCors } from './cors';
import { readOAuthForm } from './request-body';
import { authenticate, familiesOf, nowSeconds, requireDeviceKey } from './request-context';

export const introspectionRoutes = new Hono<AppEnv>().use(tokenCors()).post('/', async (c) => {
  const settings = c.get('settings');
  const now = nowSeconds();
  const form = await readOAuthForm(c);
  const client = await authenticate(c, form, settings.endpoints.introspection, now);
  c.set('clientOrigins', client.client.allowedOrigins);
  if (
    client.method === 'none' ||
    client.method === 'attestation' ||
    client.client.clientType !== 'confidential'
  )
    throw clientAuthFailed('public_client_with_credentials');
  await requireDeviceKey(c, client, now);
  const resourceServer = client.client.capabilities.introspection === true;
  const token = form.get('token');
  if (!token) throw new OAuthError('invalid_request', 'The token parameter is missing');
  c.header('Cache-Control', 'no-store');
  const inspected = await inspectToken(
    settings,
    await loadKeySet(settings.signingKeys),
    c.get('db'),
    token,
    now,
    familiesOf(c),
  );

  if (
    inspected.kind === 'access_token' &&
    (resourceServer || inspected.claims.client_id === client.client.clientId) &&
    (await clientStillExists(c, inspected.claims.client_id, now))
  ) {
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

/** A deleted (or disabled, expired) client's tokens are no longer active (RFC 7592 DELETE). */
async function clientStillExists(
  c: Context<AppEnv>,
  clientId: string,
  now: number,
): Promise<boolean> {
  const found = await findClient(c.get('db'), clientId, c.get('settings').clientCacheTtl, c.env.DB);
  return found !== null && isUsable(found, now);
}
