/**
 * @module routes/userinfo
 * GET/POST <USERINFO_PATH> (OIDC Core §5.3): the claims of the token's subject allowed by its
 * scopes (`openid` required; `profile`: name, given_name, family_name; `email`: email,
 * email_verified). Bearer, DPoP (with proof and `ath`) and certificate-bound tokens.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { OAuthError } from '../errors/oauth-error';
import { findAccountBySubject } from '../storage/accounts';
import { checkAccessToken, invalidToken, presentedToken } from '../tokens/bearer';
import { nowSeconds, resourceCheck } from './request-context';

const CLAIMS_BY_SCOPE: Record<string, readonly string[]> = {
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'locale'],
  email: ['email', 'email_verified'],
};

async function userinfo(c: Context<AppEnv>): Promise<Response> {
  const settings = c.get('settings');
  const now = nowSeconds();
  const presented = presentedToken(c.req.header('Authorization'));
  if (!presented) {
    throw new OAuthError('invalid_token', 'An access token is required', {
      status: 401,
      headers: {
        'WWW-Authenticate': `Bearer realm="${settings.issuer}", DPoP algs="ES256 RS256 PS256 EdDSA"`,
      },
    });
  }
  const claims = await checkAccessToken({ ...(await resourceCheck(c, now)), presented });
  const scopes = (claims.scope ?? '').split(' ');
  if (!scopes.includes('openid')) {
    throw new OAuthError('insufficient_scope', 'The access token lacks the openid scope', {
      headers: {
        'WWW-Authenticate': `${presented.scheme} error="insufficient_scope", scope="openid"`,
      },
    });
  }
  const account = await findAccountBySubject(c.env.DB, claims.sub);
  if (!account || account.disabled)
    throw invalidToken('The subject no longer exists', presented.scheme, 'no_account');
  const body: Record<string, unknown> = { sub: account.subject };
  for (const scope of scopes) {
    for (const claim of CLAIMS_BY_SCOPE[scope] ?? []) {
      if (account.attributes[claim] !== undefined) body[claim] = account.attributes[claim];
    }
  }
  c.header('Cache-Control', 'no-store');
  return c.json(body);
}

export const userinfoRoutes = new Hono<AppEnv>().get('/', userinfo).post('/', userinfo);
