/**
 * @module clients/registration
 * Templatized dynamic client registration (RFC 7591; docs/haapi-protocol.md §2.3): with a one-use
 * initial access token (scope `dcr`) of the template's main client, a device registers
 * `{"software_id": "<template>"}` and gets its own client (id, secret stored hashed, registration
 * access token, registration_client_uri), which copies the template's capabilities, scopes and
 * redirect URIs and inherits the registration's `cal`. Rules:
 *  - the template exists, is a template, allows HAAPI without attestation, and names the token's
 *    client in `authenticate_client_by`;
 *  - the initial access token is used once: the transaction that inserts the client uses it up
 *    (storage/dynamic-clients.ts), so a registration that fails leaves it unused; registrations
 *    are rate limited per IP and per main client credential (429 + Retry-After); the template's
 *    `maxClients` is a hard quota;
 *  - a device key (the DPoP key of the request) registers at most one client per template: doing
 *    it again returns the same client_id with a new secret and registration access token; a
 *    template with `pinDeviceKey: false` pins nothing (every registration is a new client);
 *  - a template with `deviceJwks` lets the device register its own public key (`jwks`, one key,
 *    `token_endpoint_auth_method: private_key_jwt`): it then gets no secret and authenticates
 *    with assertions signed by that key.
 */

import { importJWK, type JWK } from 'jose';
import type { ReplayGuard } from '../../durable-objects/replay-guard';
import type { Settings } from '../config/settings';
import { randomToken } from '../crypto/random';
import { hashGeneratedSecret } from '../crypto/secret-hash';
import { OAuthError, type OAuthReason } from '../errors/oauth-error';
import { takeFromBudget } from '../replay/budget';
import { guardObject, useOnce } from '../replay/use-once';
import { findClient, forgetClient } from '../storage/clients';
import type { Db } from '../storage/db';
import { insertDynamicClient, rotateCredentials } from '../storage/dynamic-clients';
import type { AccessTokenClaims } from '../tokens/access-token';
import { ASSERTION_ALGORITHMS } from './auth/private-key-jwt';
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
    token_endpoint_auth_method: client.jwks ? 'private_key_jwt' : 'client_secret_basic',
    scope: client.scopes.join(' '),
    redirect_uris: client.redirectUris,
    client_secret_expires_at: client.expiresAt ?? 0,
    registration_client_uri: `${settings.endpoints.registration}/${client.clientId}`,
  };
  if (client.jwks) metadata.jwks = client.jwks;
  if (createdAt !== undefined) metadata.client_id_issued_at = createdAt;
  if (client.clientName) metadata.client_name = client.clientName;
  return metadata;
}

/** How long a re-registered client's previous secret is still accepted (unless the new is used). */
export const PREVIOUS_SECRET_SECONDS = 86400;

function tokenUsed(): OAuthError {
  return new OAuthError('invalid_token', 'The initial access token was already used or revoked', {
    status: 401,
    reason: 'iat_replayed',
  });
}

function slowDown(what: 'ip' | 'client', retryAfterSeconds: number): OAuthError {
  return new OAuthError('slow_down', `Too many registrations from this ${what}; try again later`, {
    status: 429,
    headers: { 'Retry-After': String(retryAfterSeconds) },
    reason: `rate_limit_${what}`,
  });
}

/** The authentication methods a dynamic client may name with a secret. */
const SECRET_METHODS = ['client_secret_basic', 'client_secret_post'];

function refuseMetadata(description: string, reason: OAuthReason): OAuthError {
  return new OAuthError('invalid_client_metadata', description, { reason });
}

/**
 * The device's own key of a registration with `jwks` (templates with `deviceJwks`): one public
 * signing key of a type the assertion verifier takes (RFC 7591 §2 `jwks`; RFC 7523). Anything
 * else is refused: a private key, several keys, other key types or uses.
 */
async function deviceJwks(value: unknown): Promise<{ keys: JWK[] }> {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length !== 1 || typeof keys[0] !== 'object' || !keys[0])
    throw refuseMetadata('jwks must hold exactly one public key', 'device_jwks_shape');
  const jwk = keys[0] as JWK;
  const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
  if (privateMembers.some((m) => m in jwk))
    throw refuseMetadata('jwks must hold a public key only', 'device_jwks_private');
  const alg = jwk.alg ?? (jwk.kty === 'EC' ? 'ES256' : jwk.kty === 'OKP' ? 'EdDSA' : 'RS256');
  const fits =
    ASSERTION_ALGORITHMS.includes(alg) &&
    (jwk.use === undefined || jwk.use === 'sig') &&
    ((jwk.kty === 'EC' && jwk.crv === 'P-256' && alg === 'ES256') ||
      (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && alg === 'EdDSA') ||
      (jwk.kty === 'RSA' && (alg === 'RS256' || alg === 'PS256') && (jwk.n?.length ?? 0) >= 342));
  if (!fits)
    throw refuseMetadata(
      `jwks must hold a P-256 (ES256), Ed25519 (EdDSA) or RSA of 2048 bits or more (RS256, PS256) signing key`,
      'device_jwks_type',
    );
  try {
    await importJWK(jwk, alg);
  } catch {
    throw refuseMetadata('jwks holds a key that does not import', 'device_jwks_invalid');
  }
  return { keys: [jwk] };
}

/**
 * Registration metadata this server would not honour is refused (RFC 7591 §3.2.2,
 * `invalid_client_metadata`) rather than silently ignored, so a client never believes it has
 * what it asked for: other authentication methods than its secret (or, where the template allows
 * a device key, `private_key_jwt` with `jwks`), `jwks_uri`, and redirect URIs the template does
 * not have. (The client gets the template's redirect URIs.) Returns the device's key, if any.
 */
async function honouredMetadata(
  body: Readonly<Record<string, unknown>>,
  template: Client,
): Promise<{ keys: JWK[] } | null> {
  const method = body.token_endpoint_auth_method;
  const keyAllowed = template.capabilities.deviceJwks === true;
  const offered = keyAllowed ? [...SECRET_METHODS, 'private_key_jwt'] : SECRET_METHODS;
  if (method !== undefined && !offered.includes(method as string)) {
    throw new OAuthError(
      'invalid_client_metadata',
      `token_endpoint_auth_method ${JSON.stringify(method)} is not offered: a dynamic client of this template authenticates with ${offered.join(' or ')}`,
      { reason: 'auth_method_not_offered' },
    );
  }
  if (body.jwks_uri !== undefined)
    throw refuseMetadata(
      'jwks_uri is not honoured: register the key itself (jwks)',
      'keys_not_offered',
    );
  if (body.jwks !== undefined && !keyAllowed)
    throw refuseMetadata(
      'jwks is not honoured: a dynamic client of this template authenticates with the secret it is issued',
      'keys_not_offered',
    );
  if ((method === 'private_key_jwt') !== (body.jwks !== undefined))
    throw refuseMetadata(
      'private_key_jwt and jwks go together: the key in jwks signs the assertions',
      'device_jwks_method',
    );
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
  return body.jwks === undefined ? null : deviceJwks(body.jwks);
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
  const deviceKey = await honouredMetadata(input.body, template);
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
  // A token issued before its single use moved to D1 names a ReplayGuard object (`grd`), which
  // may have seen it used already: that object is asked too (for at most its lifetime).
  if (
    initialToken.grd !== undefined &&
    (await useOnce(
      input.replayGuard,
      'initial-access-token',
      initialToken.jti,
      Math.max(initialToken.exp - now + 1, 1),
      guardObject(initialToken.grd),
    )) !== 'first-use'
  )
    throw tokenUsed();

  // A device with its own key gets no secret.
  const secret = deviceKey ? null : randomToken(32);
  const registrationAccessToken = randomToken(32);
  const [secretHash, ratHash] = await Promise.all([
    secret ? hashGeneratedSecret(secret) : null,
    hashGeneratedSecret(registrationAccessToken),
  ]);
  const jwks = deviceKey ? JSON.stringify(deviceKey) : null;
  const credentials = {
    ...(secret ? { client_secret: secret } : {}),
    registration_access_token: registrationAccessToken,
  };
  const registrationCal = String(initialToken.reg_cal ?? 'none');
  const registeredBy = typeof initialToken.reg_cred === 'string' ? initialToken.reg_cred : null;
  // Registering again from a device key that has a client: the same client with new credentials
  // and the new registration's assurance level. The previous secret stays valid until the new one
  // is used (PREVIOUS_SECRET_SECONDS at most), so a lost response locks nobody out.
  const again = async (clientId: string): Promise<Registered> => {
    await rotateCredentials(input.primary, {
      clientId,
      secretHash,
      jwks,
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
    jwks,
    registrationAccessTokenHash: ratHash,
    registrationCal,
    registeredBy,
    // A template that does not pin device keys keeps none (any DPoP key will do).
    deviceJkt: template.capabilities.pinDeviceKey === false ? null : input.deviceJkt,
    now,
    expiresAt: limits.lifetimeSeconds ? now + limits.lifetimeSeconds : null,
    maxClients: limits.maxClients ?? null,
    initialToken: { jti: initialToken.jti, expiresAt: initialToken.exp },
  });
  if (outcome === 'token-used') throw tokenUsed();
  if (outcome === 'quota') {
    throw new OAuthError(
      'access_denied',
      'The template has reached its maximum number of dynamic clients',
      { reason: 'quota' },
    );
  }
  if ('deviceClient' in outcome) return again(outcome.deviceClient);
  return {
    status: 201,
    body: { ...clientMetadata(settings, outcome.client, now), ...credentials },
  };
}
