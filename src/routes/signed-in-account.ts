/**
 * @module routes/signed-in-account
 * The account behind a user's access token, for the endpoints a signed-in user calls (userinfo,
 * their WebAuthn devices): a token (Bearer, DPoP with proof and `ath`, or certificate-bound) with
 * the `openid` scope whose subject is an enabled account. Errors are RFC 6750 / RFC 9449.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { isUsable } from '../clients/client';
import { OAuthError } from '../errors/oauth-error';
import { type Account, findAccountBySubject } from '../storage/accounts';
import { findClient } from '../storage/clients';
import { checkAccessToken, invalidToken, presentedToken } from '../tokens/bearer';
import { nowSeconds, resourceCheck } from './request-context';

export async function signedInAccount(
  c: Context<AppEnv>,
): Promise<{ account: Account; scopes: string[] }> {
  const settings = c.get('settings');
  const presented = presentedToken(c.req.header('Authorization'));
  if (!presented) {
    throw new OAuthError('invalid_token', 'An access token is required', {
      status: 401,
      headers: {
        'WWW-Authenticate': `Bearer realm="${settings.issuer}", DPoP algs="ES256 RS256 PS256 EdDSA"`,
      },
    });
  }
  const claims = await checkAccessToken({ ...(await resourceCheck(c, nowSeconds())), presented });
  const scopes = (claims.scope ?? '').split(' ');
  if (!scopes.includes('openid')) {
    throw new OAuthError('insufficient_scope', 'The access token lacks the openid scope', {
      headers: {
        'WWW-Authenticate': `${presented.scheme} error="insufficient_scope", scope="openid"`,
      },
    });
  }
  // Only a user login's token: a client's own token (client_credentials) names the client.
  if (claims.sub === claims.client_id)
    throw invalidToken(
      'The access token is not a user login',
      presented.scheme,
      'not_a_user_token',
    );
  // A deleted (or disabled, expired) client's tokens end with it (RFC 7592 DELETE).
  const client = await findClient(c.get('db'), claims.client_id, settings.clientCacheTtl, c.env.DB);
  if (!client || !isUsable(client, nowSeconds()))
    throw invalidToken('The client of this token no longer exists', presented.scheme, 'no_client');
  const account = await findAccountBySubject(c.get('db'), claims.sub);
  if (!account || account.disabled)
    throw invalidToken('The subject no longer exists', presented.scheme, 'no_account');
  return { account, scopes };
}
