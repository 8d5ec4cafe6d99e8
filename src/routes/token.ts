/**
 * @module routes/token
 * POST <TOKEN_PATH>: the token endpoint (RFC 6749 §3.2). Steps: read the form; verify the DPoP
 * proof, if any (before client authentication, so that a nonce retry keeps its single-use client
 * assertion); authenticate the client; check the grant type is allowed for it; require DPoP when
 * the client does; run the grant module; answer with `Cache-Control: no-store` and a fresh
 * `DPoP-Nonce`. CORS for browser clients: see cors.ts.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { OAuthError } from '../errors/oauth-error';
import { securityEvent } from '../observability/events';
import { currentNonce } from '../tokens/dpop-nonce';
import { grants } from '../tokens/grants';
import { loadKeySet } from '../tokens/keys';
import { tokenCors } from './cors';
import { clientLocation } from './flow-http';
import { limitByClient, limitByIp } from './rate-limit';
import { readOAuthForm } from './request-body';
import {
  authenticate,
  deferrer,
  nonceOptions,
  nowSeconds,
  optionalDpop,
  requireDeviceKey,
} from './request-context';

export const tokenRoutes = new Hono<AppEnv>().use(tokenCors()).post('/', async (c) => {
  const settings = c.get('settings');
  const now = nowSeconds();
  await limitByIp(c, 'token');
  const form = await readOAuthForm(c);
  const grantType = form.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'The grant_type parameter is missing');
  const grant = Object.hasOwn(grants, grantType) ? grants[grantType] : undefined;
  if (!grant) {
    throw new OAuthError('unsupported_grant_type', 'The grant type is not supported');
  }
  // The proof is checked before client authentication: a `use_dpop_nonce` retry must not find its
  // single-use client assertion (CAT, JWT) already spent.
  const dpop = await optionalDpop(c, now, 'token-endpoint');
  const client = await authenticate(c, form, settings.endpoints.token, now);
  c.set('clientOrigins', client.client.allowedOrigins);
  await limitByClient(c, 'token', client.client.clientId);
  if (!client.client.grantTypes.includes(grantType)) {
    throw new OAuthError('unauthorized_client', 'The client may not use this grant type');
  }
  await requireDeviceKey(c, client, now, dpop);
  if (!dpop && client.client.dpopRequired) {
    throw new OAuthError('invalid_dpop_proof', 'This client must send a DPoP proof', {
      reason: 'dpop_required',
    });
  }
  const body = await grant({
    settings,
    keys: await loadKeySet(settings.signingKeys),
    db: c.get('db'),
    primary: c.env.DB,
    flows: c.env.HAAPI_FLOW,
    replayGuard: c.env.REPLAY_GUARD,
    location: clientLocation(c),
    defer: deferrer(c),
    form,
    client,
    dpop,
    now,
  });
  securityEvent(c.env.EVENTS, grantType === 'refresh_token' ? 'token.refreshed' : 'token.issued', {
    requestId: c.get('requestId'),
    grantType,
    clientId: client.client.clientId,
    method: client.method,
    scope: typeof body.scope === 'string' ? body.scope : undefined,
    dpopBound: body.token_type === 'DPoP',
  });
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  if (dpop) c.header('DPoP-Nonce', await currentNonce(nonceOptions(settings), now));
  return c.json(body);
});
