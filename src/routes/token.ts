/**
 * @module routes/token
 * POST <TOKEN_PATH>: the token endpoint. Parses the form, dispatches on `grant_type` to the grant
 * modules (tokens/grants), renders the token response with `Cache-Control: no-store`.
 * @see RFC 6749 §3.2, §5.1
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { OAuthError } from '../errors/oauth-error';
import { grants } from '../tokens/grants';
import { readOAuthForm } from './request-body';

export const tokenRoutes = new Hono<AppEnv>().post('/', async (c) => {
  const form = await readOAuthForm(c);
  const grantType = form.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'The grant_type parameter is missing');
  const grant = Object.hasOwn(grants, grantType) ? grants[grantType] : undefined;
  if (!grant) {
    throw new OAuthError('unsupported_grant_type', `The grant type ${grantType} is not supported`);
  }
  const result = await grant({
    settings: c.get('settings'),
    env: c.env,
    request: c.req.raw,
    form,
    now: Math.floor(Date.now() / 1000),
  });
  c.header('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(result.headers ?? {})) c.header(name, value);
  return c.json(result.body);
});
