/**
 * @module routes/well-known
 * GET /.well-known/openid-configuration and /.well-known/oauth-authorization-server, and the app
 * association files apple-app-site-association and assetlinks.json (discovery/app-association.ts).
 * @see RFC 8414 §3, OpenID Connect Discovery 1.0 §4
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import {
  type AssociationSetting,
  appleAppSiteAssociation,
  assetLinks,
} from '../discovery/app-association';
import { authorizationServerMetadata, openIdProviderMetadata } from '../discovery/metadata';
import { RequestError } from '../errors/request-error';
import { loadKeySet } from '../tokens/keys';
import { publicJson } from './public-json';

function association(c: Context<AppEnv>, setting: AssociationSetting, generate: () => unknown) {
  if (setting.mode === 'disabled')
    throw new RequestError(404, 'Not Found', `No endpoint at ${c.req.method} ${c.req.path}`);
  const document = setting.mode === 'static' ? setting.document : generate();
  return c.json(document as object, 200, { 'Cache-Control': 'public, max-age=3600' });
}

export const wellKnownRoutes = new Hono<AppEnv>()
  .get('/apple-app-site-association', (c) => {
    const settings = c.get('settings');
    return association(c, settings.appleAppSiteAssociation, () =>
      appleAppSiteAssociation(settings.attestation, settings.appLinkPaths),
    );
  })
  .get('/assetlinks.json', (c) => {
    const settings = c.get('settings');
    return association(c, settings.androidAssetLinks, () => assetLinks(settings.attestation));
  })
  .get('/openid-configuration', async (c) => {
    const keys = await loadKeySet(c.get('settings').signingKeys);
    return publicJson(c, openIdProviderMetadata(c.get('settings'), keys));
  })
  .get('/oauth-authorization-server', async (c) => {
    const keys = await loadKeySet(c.get('settings').signingKeys);
    return publicJson(c, authorizationServerMetadata(c.get('settings'), keys));
  });
