/**
 * @module routes/webauthn-devices
 * /webauthn/devices: an account's own WebAuthn devices, for account pages and apps.
 *  - GET  /webauthn/devices            → `{devices: [{id, name, type, aaguid, transports,
 *                                         backupEligible, backupState, createdAt, lastUsedAt}]}`
 *  - PATCH /webauthn/devices/<id>      `{"name": "..."}` (1–64 characters) → the device
 *  - DELETE /webauthn/devices/<id>     → 204
 * Authenticated like userinfo: an access token (Bearer, DPoP with proof, or certificate-bound)
 * with the `openid` scope, issued for a user login; only that account's devices are seen or
 * changed (another account's device id is a 404, the same as an unknown one). Errors are OAuth
 * JSON (RFC 6750 for token errors).
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { OAuthError } from '../errors/oauth-error';
import { RequestError } from '../errors/request-error';
import { securityEvent } from '../observability/events';
import {
  deleteDevice,
  listDevicesWithModel,
  renameDevice,
  type WebauthnDevice,
} from '../storage/webauthn-devices';
import { readJsonObject } from './request-body';
import { signedInAccount } from './signed-in-account';

export const DEVICES_PATH = '/webauthn/devices';

async function accountOf(c: Context<AppEnv>): Promise<string> {
  const { account } = await signedInAccount(c);
  c.header('Cache-Control', 'no-store');
  return account.subject;
}

function view(d: WebauthnDevice & { readonly model?: string | null }) {
  return {
    id: d.credentialId,
    name: d.name,
    // The authenticator model's name from the FIDO metadata, when its AAGUID is known there.
    model: d.model ?? null,
    type: d.deviceType,
    aaguid: d.aaguid,
    transports: d.transports,
    backupEligible: d.backupEligible,
    backupState: d.backupState,
    createdAt: d.createdAt,
    lastUsedAt: d.lastUsedAt,
  };
}

function noDevice(): RequestError {
  return new RequestError(404, 'Not Found', 'No such device');
}

export const webauthnDeviceRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    const subject = await accountOf(c);
    return c.json({ devices: (await listDevicesWithModel(c.get('db'), subject)).map(view) });
  })
  .patch('/:id', async (c) => {
    const subject = await accountOf(c);
    const body = await readJsonObject(c);
    const name = body.name;
    if (typeof name !== 'string' || name.trim().length === 0 || name.length > 64)
      throw new OAuthError('invalid_request', 'name must be a string of 1–64 characters');
    const id = c.req.param('id');
    if (!(await renameDevice(c.get('db'), subject, id, name.trim()))) throw noDevice();
    const device = (await listDevicesWithModel(c.get('db'), subject)).find(
      (d) => d.credentialId === id,
    );
    if (!device) throw noDevice();
    return c.json(view(device));
  })
  .delete('/:id', async (c) => {
    const subject = await accountOf(c);
    const id = c.req.param('id');
    if (!(await deleteDevice(c.get('db'), subject, id))) throw noDevice();
    securityEvent(c.env.EVENTS, 'webauthn.removed', { subject, by: 'account' });
    return c.body(null, 204);
  });
