/**
 * @module discovery/metadata
 * Authorization server metadata (RFC 8414 §2) and OpenID Provider metadata (OpenID Connect
 * Discovery 1.0 §3), generated from settings and from what is implemented: each entry appears
 * only once the feature behind it exists.
 */
import { supportedAuthMethods } from '../clients/auth';
import { ASSERTION_ALGORITHMS } from '../clients/auth/private-key-jwt';
import type { Settings } from '../config/settings';
import { acrOf } from '../haapi/flow/engine';
import { DPOP_ALGORITHMS } from '../tokens/dpop-proof';
import { supportedGrantTypes } from '../tokens/grants';
import type { KeySet } from '../tokens/keys';

export type Metadata = Readonly<Record<string, unknown>>;

/** RFC 8414 metadata, served at /.well-known/oauth-authorization-server. */
export function authorizationServerMetadata(settings: Settings, keys: KeySet): Metadata {
  const { endpoints } = settings;
  const signingAlgs = [...new Set(keys.all.map((k) => k.alg))];
  const authMethods = supportedAuthMethods();
  return {
    issuer: settings.issuer,
    jwks_uri: endpoints.jwks,
    authorization_endpoint: endpoints.authorization,
    token_endpoint: endpoints.token,
    introspection_endpoint: endpoints.introspection,
    revocation_endpoint: endpoints.revocation,
    userinfo_endpoint: endpoints.userinfo,
    registration_endpoint: endpoints.registration,
    end_session_endpoint: endpoints.endSession,
    grant_types_supported: supportedGrantTypes(),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ['none', 'login'],
    acr_values_supported: [...new Set(settings.authenticators.map(acrOf))],
    ui_locales_supported: ['en', 'sv'],
    scopes_supported: ['openid', 'profile', 'email', 'urn:se:curity:scopes:haapi', 'dcr'],
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    introspection_endpoint_auth_methods_supported: authMethods.filter((m) => m !== 'none'),
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    code_challenge_methods_supported: ['S256'],
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    tls_client_certificate_bound_access_tokens: true,
    id_token_signing_alg_values_supported: signingAlgs,
    subject_types_supported: ['public'],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'acr',
      'amr',
      'cal',
      'at_hash',
      'name',
      'given_name',
      'family_name',
      'email',
      'email_verified',
    ],
  };
}

/** OpenID Provider metadata, served at /.well-known/openid-configuration. */
export function openIdProviderMetadata(settings: Settings, keys: KeySet): Metadata {
  return authorizationServerMetadata(settings, keys);
}
