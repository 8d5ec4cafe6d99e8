/**
 * @module routes/registration
 * POST <REGISTRATION_PATH> (RFC 7591 §3) with an initial access token (scope `dcr`, Bearer or
 * DPoP), and GET/PUT/DELETE <REGISTRATION_PATH>/<client id> (RFC 7592 §2) with the client's
 * registration access token, which an update rotates. Only `client_name` may be updated.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import type { Client } from '../clients/client';
import { clientMetadata, registerDynamicClient } from '../clients/registration';
import { randomToken } from '../crypto/random';
import { hashGeneratedSecret, verifySecret } from '../crypto/secret-hash';
import { OAuthError } from '../errors/oauth-error';
import { securityEvent } from '../observability/events';
import { findClient, forgetClient } from '../storage/clients';
import {
  deleteDynamicClient,
  rotateRegistrationAccessToken,
  updateClientName,
} from '../storage/dynamic-clients';
import { issuerOnlyKey } from '../tokens/access-token';
import { checkAccessToken, invalidToken, presentedToken } from '../tokens/bearer';
import { clientIp, clientLocation } from './flow-http';
import { readJsonObject } from './request-body';
import { nowSeconds, optionalDpop, resourceCheck } from './request-context';

function noStore(c: Context<AppEnv>): void {
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
}

/** The dynamic client named in the path, authenticated by its registration access token. */
async function managedClient(c: Context<AppEnv>): Promise<Client> {
  const presented = presentedToken(c.req.header('Authorization'));
  if (!presented || presented.scheme !== 'Bearer')
    throw invalidToken('The registration access token is required', 'Bearer', 'no_rat');
  const client = await findClient(c.get('db'), c.req.param('clientId') ?? '', 0, c.env.DB);
  const valid = client?.registrationAccessTokenHash
    ? await verifySecret(presented.token, client.registrationAccessTokenHash)
    : false;
  if (!client || !client.templateId || !valid)
    throw invalidToken('The registration access token is invalid', 'Bearer', 'bad_rat');
  return client;
}

export const registrationRoutes = new Hono<AppEnv>()
  .post('/', async (c) => {
    const settings = c.get('settings');
    const now = nowSeconds();
    const presented = presentedToken(c.req.header('Authorization'));
    if (!presented) throw invalidToken('An initial access token is required', 'Bearer', 'no_iat');
    const proof = await optionalDpop(c, now, 'resource', presented.token);
    const claims = await checkAccessToken({
      ...(await resourceCheck(c, now, async () => proof)),
      // The initial access token is single use: the transaction that inserts the client uses it
      // up and finds one already used or revoked (revocation writes the same row), so a
      // revocation lookup first would add nothing.
      db: null,
      presented,
      macKey: await issuerOnlyKey(settings.serverSecret),
    });
    if (!(claims.scope ?? '').split(' ').includes('dcr')) {
      throw new OAuthError(
        'insufficient_scope',
        'The token is not an initial access token (scope dcr)',
        {
          headers: {
            'WWW-Authenticate': `${presented.scheme} error="insufficient_scope", scope="dcr"`,
          },
        },
      );
    }
    const body = await readJsonObject(c, 'invalid_client_metadata');
    const registered = await registerDynamicClient({
      settings,
      db: c.get('db'),
      primary: c.env.DB,
      replayGuard: c.env.REPLAY_GUARD,
      initialToken: claims,
      body,
      deviceJkt: proof?.jkt ?? null,
      ip: clientIp(c),
      location: clientLocation(c),
      now,
    });
    securityEvent(c.env.EVENTS, 'dcr.registration', {
      requestId: c.get('requestId'),
      clientId: String(registered.body.client_id),
      template: String(registered.body.software_id),
      registrar: claims.client_id,
      cal: String(claims.reg_cal ?? 'none'),
      reregistered: registered.status === 200,
    });
    noStore(c);
    return c.json(registered.body, registered.status);
  })
  .get('/:clientId', async (c) => {
    const client = await managedClient(c);
    noStore(c);
    return c.json(clientMetadata(c.get('settings'), client));
  })
  .put('/:clientId', async (c) => {
    const client = await managedClient(c);
    const body = await readJsonObject(c, 'invalid_client_metadata');
    if (body.client_id !== client.clientId) {
      throw new OAuthError(
        'invalid_client_metadata',
        'client_id in the body must be the client being updated',
      );
    }
    if (
      'client_secret' in body ||
      ('software_id' in body && body.software_id !== client.templateId)
    ) {
      throw new OAuthError('invalid_client_metadata', 'Only client_name can be changed');
    }
    const name = body.client_name;
    if (name !== undefined && (typeof name !== 'string' || name.length > 200)) {
      throw new OAuthError(
        'invalid_client_metadata',
        'client_name must be a string of at most 200 characters',
      );
    }
    const now = nowSeconds();
    if (name !== undefined) await updateClientName(c.get('db'), client.clientId, name, now);
    const registrationAccessToken = randomToken(32);
    await rotateRegistrationAccessToken(
      c.get('db'),
      client.clientId,
      await hashGeneratedSecret(registrationAccessToken),
      now,
    );
    forgetClient(client.clientId);
    const updated = (await findClient(c.get('db'), client.clientId, 0, c.env.DB)) as Client;
    noStore(c);
    return c.json({
      ...clientMetadata(c.get('settings'), updated),
      registration_access_token: registrationAccessToken,
    });
  })
  .delete('/:clientId', async (c) => {
    const client = await managedClient(c);
    await deleteDynamicClient(c.get('db'), client.clientId);
    forgetClient(client.clientId);
    securityEvent(c.env.EVENTS, 'dcr.deleted', {
      requestId: c.get('requestId'),
      clientId: client.clientId,
    });
    return c.body(null, 204);
  });
