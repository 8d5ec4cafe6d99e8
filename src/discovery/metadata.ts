/**
 * @module discovery/metadata
 * Authorization server metadata (RFC 8414 §2) and OpenID Provider metadata (OpenID Connect
 * Discovery 1.0 §3), generated from settings and from what is implemented: each entry appears
 * only once the feature behind it exists.
 */
import type { Settings } from '../config/settings';
import { supportedGrantTypes } from '../tokens/grants';
import type { KeySet } from '../tokens/keys';

export type Metadata = Readonly<Record<string, unknown>>;

/** RFC 8414 metadata, served at /.well-known/oauth-authorization-server. */
export function authorizationServerMetadata(settings: Settings, _keys: KeySet): Metadata {
  const { endpoints } = settings;
  const metadata: Record<string, unknown> = {
    issuer: settings.issuer,
    jwks_uri: endpoints.jwks,
  };
  const grantTypes = supportedGrantTypes();
  if (grantTypes.length > 0) {
    metadata.token_endpoint = endpoints.token;
    metadata.grant_types_supported = grantTypes;
  }
  return metadata;
}

/** OpenID Provider metadata, served at /.well-known/openid-configuration. */
export function openIdProviderMetadata(settings: Settings, keys: KeySet): Metadata {
  return authorizationServerMetadata(settings, keys);
}
