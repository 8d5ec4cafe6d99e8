/**
 * @module routes/userinfo
 * GET/POST <USERINFO_PATH> (OIDC Core §5.3): the claims of the token's subject allowed by its
 * scopes (`openid` required; `profile`: name, given_name, family_name; `email`: email,
 * email_verified). Bearer, DPoP (with proof and `ath`) and certificate-bound tokens.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { signedInAccount } from './signed-in-account';

const CLAIMS_BY_SCOPE: Record<string, readonly string[]> = {
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'locale'],
  email: ['email', 'email_verified'],
};

async function userinfo(c: Context<AppEnv>): Promise<Response> {
  const { account, scopes } = await signedInAccount(c);
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
