/**
 * @module routes/well-known
 * GET /.well-known/openid-configuration and /.well-known/oauth-authorization-server.
 * @see RFC 8414 §3, OpenID Connect Discovery 1.0 §4
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { authorizationServerMetadata, openIdProviderMetadata } from '../discovery/metadata';
import { loadKeySet } from '../tokens/keys';
import { publicJson } from './public-json';

export const wellKnownRoutes = new Hono<AppEnv>()
  .get('/openid-configuration', async (c) => {
    const keys = await loadKeySet(c.get('settings').signingKeys);
    return publicJson(c, openIdProviderMetadata(c.get('settings'), keys));
  })
  .get('/oauth-authorization-server', async (c) => {
    const keys = await loadKeySet(c.get('settings').signingKeys);
    return publicJson(c, authorizationServerMetadata(c.get('settings'), keys));
  });
