/**
 * @module tokens/grants/client-credentials
 * `client_credentials` (RFC 6749 §4.4): a confidential (or attested) client gets an access token
 * for itself (`sub` = client id); no refresh token (§4.4.3). Bound to the DPoP key or client
 * certificate. With the HAAPI scope it issues the AAT (tokens/haapi-scope.ts).
 */

import {
  bindDynamicClientDevice,
  DCR_SCOPE,
  initialAccessToken,
} from '../../clients/initial-access-token';
import { OAuthError } from '../../errors/oauth-error';
import { checkHaapiRequest, clientAssuranceLevel, HAAPI_SCOPE } from '../haapi-scope';
import { issueTokens } from '../issue-tokens';
import { grantScope, parseScope } from '../scope';
import type { GrantHandler } from './context';
import { requireAssurance } from './required-assurance';

export const clientCredentialsGrant: GrantHandler = async (context) => {
  const { client, settings } = context;
  if (client.method === 'none') {
    throw new OAuthError('unauthorized_client', 'Public clients cannot use client_credentials');
  }
  const requested = parseScope(context.form.get('scope'));
  if (requested?.includes(HAAPI_SCOPE)) {
    const cal = checkHaapiRequest(client, requested, context.dpop);
    // The AAT starts a login; the client's min_cal is applied to that login (authorize).
    requireAssurance(context, cal, requested, false);
    await bindDynamicClientDevice(context);
    const policy = client.client.attestationPolicy
      ? settings.attestation.get(client.client.attestationPolicy)
      : undefined;
    const issued = await issueTokens(context, {
      auth: { subject: client.client.clientId, cal },
      scope: [HAAPI_SCOPE],
      refresh: false,
      ttl: policy?.haapiAccessTokenTtl ?? settings.haapiAccessTokenTtl,
      claims: client.attestation ? { att: client.attestation.evidence } : undefined,
    });
    return issued.body;
  }
  if (requested?.includes(DCR_SCOPE)) return initialAccessToken(context, requested);
  if (client.method === 'attestation') {
    throw new OAuthError(
      'invalid_scope',
      `A client attestation token is only for the scope ${HAAPI_SCOPE}`,
    );
  }
  // A client's own token is no user login: nothing to identify (OIDC Core §3.1.2.1). Asked for,
  // `openid` is refused; by default (no scope asked) it is left out.
  if (requested?.includes('openid'))
    throw new OAuthError(
      'invalid_scope',
      'The openid scope needs a user login (authorization_code)',
    );
  const scope = grantScope(
    requested,
    client.client.scopes.filter((s) => s !== 'openid'),
  );
  const cal = clientAssuranceLevel(client);
  requireAssurance(context, cal, scope);
  const issued = await issueTokens(context, {
    auth: { subject: client.client.clientId, cal },
    scope,
    refresh: false,
  });
  return issued.body;
};
