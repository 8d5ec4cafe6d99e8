/**
 * @module clients/registration
 * Templatized dynamic client registration (RFC 7591; docs/haapi-protocol.md §2.3): with a one-use
 * initial access token (scope `dcr`) of the template's main client, a device registers
 * `{"software_id": "<template>"}` and gets its own client (id, secret stored hashed, registration
 * access token, registration_client_uri), which copies the template's capabilities, scopes and
 * redirect URIs and inherits the registration's `cal`. Rules:
 *  - the template exists, is a template, allows HAAPI without attestation, and names the token's
 *    client in `authenticate_client_by`;
 *  - the initial access token is used once; registrations are rate limited per IP and per main
 *    client credential (429 + Retry-After); the template's `maxClients` is a hard quota;
 *  - a device key (the DPoP key of the request) registers at most one client per template: doing
 *    it again returns the same client_id with a new secret and registration access token.
 */

import type { ReplayGuard } from '../../durable-objects/replay-guard';
import type { Settings } from '../config/settings';
import { randomToken } from '../crypto/random';
import { hashGeneratedSecret } from '../crypto/secret-hash';
import { OAuthError } from '../errors/oauth-error';
import { takeFromBudget } from '../replay/budget';
import { guardObject, useOnce } from '../replay/use-once';
import { findClient, forgetClient } from '../storage/clients';
import type { Db } from '../storage/db';
import { findByDevice, insertDynamicClient, rotateCredentials } from '../storage/dynamic-clients';
import type { AccessTokenClaims } from '../tokens/access-token';
import { type Client, DYNAMIC_CLIENT_PREFIX } from './client';

export interface RegistrationInput {
  readonly settings: Settings;
  readonly db: Db;
  /** The D1 primary, for reads that must see every earlier write (storage/db.ts). */
  readonly primary: Db;
  readonly replayGuard: DurableObjectNamespace<ReplayGuard>;
  readonly initialToken: AccessTokenClaims;
  readonly body: Readonly<Record<string, unknown>>;
  readonly deviceJkt: string | null;
  readonly ip: string;
  readonly location?: string;
  readonly now: number;
}

export interface Registered {
  readonly status: 200 | 201;
  readonly body: Record<string, unknown>;
}

/** The RFC 7591 §3.2.1 / RFC 7592 §3 view of a dynamic client. */
export function clientMetadata(
  settings: Settings,
  client: Client,
  createdAt?: number,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    client_id: client.clientId,
    software_id: client.templateId,
    grant_types: client.grantTypes,
    token_endpoint_auth_method: 'client_secret_basic',
    scope: client.scopes.join(' '),
    redirect_uris: client.redirectUris,
    client_secret_expires_at: client.expiresAt ?? 0,
    registration_client_uri: `${settings.endpoints.registration}/${client.clientId}`,
  };
  if (createdAt !== undefined) metadata.client_id_issued_at = createdAt;
  if (client.clientName) metadata.client_name = client.clientName;
  return metadata;
}

/** How long a re-registered client's previous secret is still accepted (unless the new is used). */
export const PREVIOUS_SECRET_SECONDS = 86400;

function slowDown(what: string, retryAfterSeconds: number): OAuthError {
  return new OAuthError('slow_down', `Too many registrations from this ${what}; try again later`, {
    status: 429,
    headers: { 'Retry-After': String(retryAfterSeconds) },
    reason: `rate_limit_${what}`,
  });
}

/** The authentication methods a dynamic client may name: it always gets a secret. */
const SECRET_METHODS = ['client_secret_basic', 'client_secret_post'];

/**
 * Registration metadata this server would not honour is refused (RFC 7591 §3.2.2,
 * `invalid_client_metadata`) rather than silently ignored, so a client never believes it has
 * what it asked for: other authentication methods than its secret, its own keys (`jwks`,
 * `jwks_uri`), and redirect URIs the template does not have. (The client gets the template's
 * redirect URIs.)
 */
function refuseUnhonouredMetadata(body: Readonly<Record<string, unknown>>, template: Client): void {
  const method = body.token_endpoint_auth_method;
  if (method !== undefined && !SECRET_METHODS.includes(method as string)) {
    throw new OAuthError(
      'invalid_client_metadata',
      `token_endpoint_auth_method ${JSON.stringify(method)} is not offered: a dynamic client authenticates with its secret (${SECRET_METHODS.join(' or ')})`,
      { reason: 'auth_method_not_offered' },
    );
  }
  for (const key of ['jwks', 'jwks_uri']) {
    if (body[key] !== undefined)
      throw new OAuthError(
        'invalid_client_metadata',
        `${key} is not honoured: a dynamic client authenticates with the secret it is issued`,
        { reason: 'keys_not_offered' },
      );
  }
  const uris = body.redirect_uris;
  if (uris !== undefined) {
    if (!Array.isArray(uris) || !uris.every((u) => typeof u === 'string'))
      throw new OAuthError('invalid_client_metadata', 'redirect_uris must be an array of strings');
    const foreign = uris.filter((u) => !template.redirectUris.includes(u));
    if (foreign.length > 0)
      throw new OAuthError(
        'invalid_redirect_uri',
        `redirect_uris must be among the template's (${template.redirectUris.join(', ')}); not ${foreign.join(', ')}`,
        { reason: 'redirect_uri_not_in_template' },
      );
  }
}

export async function registerDynamicClient(input: RegistrationInput): Promise<Registered> {
  const { settings, db, initialToken, now } = input;
  const softwareId = input.body.software_id;
  if (typeof softwareId !== 'string' || softwareId === '') {
    throw new OAuthError(
      'invalid_client_metadata',
      'software_id (the template client id) is required',
    );
  }
  // Like every client, a template is read through the per-isolate cache (CLIENT_CACHE_TTL): an
  // edit applies within that time. Its clients are counted against the quota by the insert.
  const template = await findClient(db, softwareId, settings.clientCacheTtl, input.primary);
  if (!template || !template.isTemplate || template.disabled) {
    throw new OAuthError('invalid_client_metadata', 'software_id does not name a template client', {
      reason: 'unknown_template',
    });
  }
  refuseUnhonouredMetadata(input.body, template);
  if (!template.capabilities.allowWithoutAttestation) {
    throw new OAuthError(
      'invalid_client_metadata',
      'The template does not allow clients without attestation',
      {
        reason: 'template_requires_attestation',
      },
    );
  }
  if (template.authenticateClientBy !== initialToken.client_id) {
    throw new OAuthError(
      'unapproved_software_statement',
      'This initial access token may not register clients from the template',
      {
        reason: 'wrong_registrar',
      },
    );
  }
  const byIp = await takeFromBudget(
    input.replayGuard,
    'dcr-ip',
    input.ip,
    settings.registrationsPerIp,
    60,
    input.location,
  );
  if (!byIp.allowed) throw slowDown('ip', byIp.retryAfterSeconds);
  const registrar = `${initialToken.client_id}|${String(initialToken.reg_cred ?? '')}`;
  const byRegistrar = await takeFromBudget(
    input.replayGuard,
    'dcr-registrar',
    registrar,
    settings.registrationsPerClient,
    60,
    input.location,
  );
  if (!byRegistrar.allowed) throw slowDown('client', byRegistrar.retryAfterSeconds);
  const ttl = Math.max(initialToken.exp - now + 1, 1);
  if (
    (await useOnce(
      input.replayGuard,
      'initial-access-token',
      initialToken.jti,
      ttl,
      guardObject(initialToken.grd),
    )) !== 'first-use'
  ) {
    throw new OAuthError('invalid_token', 'The initial access token was already used or revoked', {
      status: 401,
      reason: 'iat_replayed',
    });
  }

  const secret = randomToken(32);
  const registrationAccessToken = randomToken(32);
  const [secretHash, ratHash] = await Promise.all([
    hashGeneratedSecret(secret),
    hashGeneratedSecret(registrationAccessToken),
  ]);
  const credentials = { client_secret: secret, registration_access_token: registrationAccessToken };
  const registrationCal = String(initialToken.reg_cal ?? 'none');
  const registeredBy = typeof initialToken.reg_cred === 'string' ? initialToken.reg_cred : null;
  // Registering again from a device key that has a client: the same client with new credentials
  // and the new registration's assurance level. The previous secret stays valid until the new one
  // is used (PREVIOUS_SECRET_SECONDS at most), so a lost response locks nobody out.
  const again = async (clientId: string): Promise<Registered> => {
    await rotateCredentials(input.primary, {
      clientId,
      secretHash,
      registrationAccessTokenHash: ratHash,
      registrationCal,
      registeredBy,
      now,
      previousSecretUntil: now + PREVIOUS_SECRET_SECONDS,
    });
    forgetClient(clientId);
    const client = (await findClient(input.primary, clientId, 0)) as Client;
    return { status: 201, body: { ...clientMetadata(settings, client), ...credentials } };
  };
  const limits = template.templateLimits;
  const clientId = `${DYNAMIC_CLIENT_PREFIX}${randomToken(18)}`;
  const outcome = await insertDynamicClient(db, {
    clientId,
    template,
    secretHash,
    registrationAccessTokenHash: ratHash,
    registrationCal,
    registeredBy,
    deviceJkt: input.deviceJkt,
    now,
    expiresAt: limits.lifetimeSeconds ? now + limits.lifetimeSeconds : null,
    maxClients: limits.maxClients ?? null,
  });
  if (outcome === 'quota') {
    throw new OAuthError(
      'access_denied',
      'The template has reached its maximum number of dynamic clients',
      { reason: 'quota' },
    );
  }
  if (outcome === 'device')
    return again(
      (await findByDevice(input.primary, template.clientId, input.deviceJkt as string)) as string,
    );
  return {
    status: 201,
    body: { ...clientMetadata(settings, outcome.client, now), ...credentials },
  };
}
