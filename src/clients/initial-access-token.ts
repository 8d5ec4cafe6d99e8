/**
 * @module clients/initial-access-token
 * The DCR fallback's first step (docs/haapi-protocol.md §2.3): the main HAAPI client authenticates
 * at the token endpoint (secret, mTLS or a JWT assertion; never none or attestation) and gets a
 * one-use initial access token with scope `dcr`. The token records how strong that
 * authentication was (`reg_cal`) and which credential it used (`reg_cred`), which the dynamic
 * client inherits. Also here: the device-key binding of dynamic clients at their AAT requests.
 */
import { OAuthError } from '../errors/oauth-error';
import { isRegistrar } from '../storage/clients';
import { bindDeviceKey, touchClient } from '../storage/dynamic-clients';
import { issuerOnlyKey } from '../tokens/access-token';
import type { GrantContext } from '../tokens/grants/context';
import { methodAssuranceLevel } from '../tokens/haapi-scope';
import { issueTokens } from '../tokens/issue-tokens';

export const DCR_SCOPE = 'dcr';

export async function initialAccessToken(
  context: GrantContext,
  requested: readonly string[],
): Promise<Record<string, unknown>> {
  const { client } = context;
  if (requested.length !== 1)
    throw new OAuthError('invalid_scope', `The scope ${DCR_SCOPE} must be requested alone`);
  if (client.method === 'none' || client.method === 'attestation' || client.client.templateId) {
    throw new OAuthError('unauthorized_client', 'This client may not register dynamic clients');
  }
  if (!(await isRegistrar(context.db, client.client.clientId, context.settings.clientCacheTtl))) {
    throw new OAuthError(
      'unauthorized_client',
      'No template client lets this client register dynamic clients',
      {
        reason: 'not_a_registrar',
      },
    );
  }
  const issued = await issueTokens(context, {
    auth: { subject: client.client.clientId },
    scope: [DCR_SCOPE],
    refresh: false,
    ttl: context.settings.initialAccessTokenTtl,
    // Only this server checks it: MAC'd, not signed (tokens/access-token.ts).
    macKey: await issuerOnlyKey(context.settings.serverSecret),
    claims: {
      // Its single use is kept in D1, by the registration's own transaction (its jti).
      reg_cal: methodAssuranceLevel(client),
      ...(client.credential ? { reg_cred: client.credential } : {}),
    },
  });
  return issued.body;
}

/**
 * A dynamic client's AAT requests must use its device key: the one it registered with, or else
 * the key of its first AAT request (trust on first use).
 */
export async function bindDynamicClientDevice(context: GrantContext): Promise<void> {
  const { client, dpop, db, now } = context;
  if (!client.client.templateId || !dpop) return;
  if (client.client.capabilities.pinDeviceKey === false) {
    context.defer(touchClient(db, client.client.clientId, now));
    return;
  }
  const bound =
    client.client.deviceJkt ?? (await bindDeviceKey(db, client.client.clientId, dpop.jkt));
  if (bound !== dpop.jkt) {
    throw new OAuthError(
      'invalid_dpop_proof',
      'The DPoP key is not the device key of this client',
      {
        reason: 'device_key_mismatch',
      },
    );
  }
  // Last use (for idle expiry) is bookkeeping: written after the response.
  context.defer(touchClient(db, client.client.clientId, now));
}
