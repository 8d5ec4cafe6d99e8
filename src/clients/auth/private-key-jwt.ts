/**
 * @module clients/auth/private-key-jwt
 * `private_key_jwt` (RFC 7523 §2.2, §3; OIDC Core §9): the client signs a JWT with a key from its
 * registered JWK set. Enforced:
 *  - `client_assertion_type` is `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`;
 *  - `alg` is RS256, PS256, ES256 or EdDSA, and the signature verifies with the client's JWKS;
 *  - `iss` = `sub` = the client id (and `client_id`, if sent, is the same);
 *  - `aud` is the issuer, a single value (draft-ietf-oauth-rfc7523bis, against audience
 *    injection); a client with the `assertionAudienceEndpoint` capability may also name the
 *    endpoint URL (legacy);
 *  - `exp` is present, in the future, and at most CLIENT_ASSERTION_MAX_LIFETIME ahead;
 *  - `jti` is present and used once (ReplayGuard, the client's objects, until `exp`).
 */
import { createLocalJWKSet, decodeJwt, errors, jwtVerify } from 'jose';
import { sha256Hex } from '../../crypto/digest';
import { clientAssertionOwner, useOnce } from '../../replay/use-once';
import { type Client, isUsable } from '../client';
import { clientAuthFailed } from './failure';
import type { AuthenticatedClient, AuthRequest } from './types';

/** A client's verification keys, imported once per cached client record (jose caches imports). */
const keysByJwks = new WeakMap<object, ReturnType<typeof createLocalJWKSet>>();
function clientKeys(jwks: NonNullable<Client['jwks']>): ReturnType<typeof createLocalJWKSet> {
  let keys = keysByJwks.get(jwks);
  if (!keys) {
    keys = createLocalJWKSet(jwks);
    keysByJwks.set(jwks, keys);
  }
  return keys;
}

/**
 * Where a client's assertion `jti`s are tracked (docs/state.md). A client used from one place (a
 * backend service, a dynamic client, which is one device) has objects of its own, near it. A
 * static app client is shared by every install of the app, wherever it is: each of its
 * assertions gets an object of its own (undefined owner), created near the device that sent it.
 */
const ownersByClient = new WeakMap<Client, (key: string) => string>();
async function assertionOwner(client: Client): Promise<((key: string) => string) | undefined> {
  const sharedByDevices = client.capabilities.haapi === true && client.templateId === null;
  if (sharedByDevices) return undefined;
  let owner = ownersByClient.get(client);
  if (!owner) {
    owner = clientAssertionOwner(await sha256Hex(`client\u0000${client.clientId}`));
    ownersByClient.set(client, owner);
  }
  return owner;
}

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const CLOCK_SKEW = 30;

export async function authenticateWithAssertion(
  request: AuthRequest,
): Promise<AuthenticatedClient> {
  const { form, settings, now } = request;
  if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION) {
    throw clientAuthFailed('bad_assertion_type');
  }
  const assertion = form.get('client_assertion') ?? '';
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(assertion);
  } catch {
    throw clientAuthFailed('bad_assertion');
  }
  const clientId = claims.sub;
  if (typeof clientId !== 'string' || claims.iss !== clientId) {
    throw clientAuthFailed('assertion_bad_issuer');
  }
  const formClientId = form.get('client_id');
  if (formClientId !== undefined && formClientId !== clientId) {
    throw clientAuthFailed('assertion_bad_issuer');
  }
  const client = await request.findClient(clientId);
  if (!client) throw clientAuthFailed('unknown_client');
  if (!isUsable(client, now)) throw clientAuthFailed('client_disabled');
  if (!client.authMethods.includes('private_key_jwt')) throw clientAuthFailed('method_not_allowed');
  if (!client.jwks) throw clientAuthFailed('no_jwks');

  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  let kid: string | undefined;
  try {
    ({
      payload,
      protectedHeader: { kid },
    } = await jwtVerify(assertion, clientKeys(client.jwks), {
      algorithms: ASSERTION_ALGORITHMS,
      issuer: clientId,
      subject: clientId,
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(now * 1000),
      clockTolerance: CLOCK_SKEW,
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw clientAuthFailed('assertion_expired');
    throw clientAuthFailed('bad_assertion');
  }
  const allowed = client.capabilities.assertionAudienceEndpoint
    ? [settings.issuer, request.endpoint]
    : [settings.issuer];
  const aud = Array.isArray(payload.aud) && payload.aud.length === 1 ? payload.aud[0] : payload.aud;
  if (typeof aud !== 'string' || !allowed.includes(aud))
    throw clientAuthFailed('assertion_bad_audience');
  const exp = payload.exp as number;
  if (exp > now + settings.clientAssertionMaxLifetime) throw clientAuthFailed('assertion_too_long');
  const jti = payload.jti as string;
  const ttl = Math.max(exp - now + CLOCK_SKEW, 1);
  const value = `${clientId}:${jti}`;
  const owner = await assertionOwner(client);
  if (
    (await useOnce(request.replayGuard, 'client-assertion-jti', value, ttl, owner)) !== 'first-use'
  ) {
    throw clientAuthFailed('assertion_replayed');
  }
  return { client, method: 'private_key_jwt', credential: `private_key_jwt:${kid ?? 'jwks'}` };
}
