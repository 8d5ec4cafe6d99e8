/**
 * @module routes/jwks
 * GET <JWKS_PATH>: the public parts of the signing keys (current and previous).
 * @see RFC 7517 §5
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { loadKeySet } from '../tokens/keys';
import { publicJson } from './public-json';

export const jwksRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const keys = await loadKeySet(c.get('settings').signingKeys);
  return publicJson(c, keys.jwks);
});
