/**
 * @module tokens/grants/client-credentials
 * `client_credentials` (RFC 6749 §4.4): a confidential client gets an access token for itself
 * (`sub` = client id); no refresh token (§4.4.3). Bound to the DPoP key or client certificate.
 */
import { OAuthError } from '../../errors/oauth-error';
import { issueTokens } from '../issue-tokens';
import { grantScope, parseScope } from '../scope';
import type { GrantHandler } from './context';

export const clientCredentialsGrant: GrantHandler = async (context) => {
  const { client } = context;
  if (client.method === 'none') {
    throw new OAuthError('unauthorized_client', 'Public clients cannot use client_credentials');
  }
  const scope = grantScope(parseScope(context.form.get('scope')), client.client.scopes);
  const issued = await issueTokens(context, {
    auth: { subject: client.client.clientId },
    scope,
    refresh: false,
  });
  return issued.body;
};
