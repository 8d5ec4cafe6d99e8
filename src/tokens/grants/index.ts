/**
 * @module tokens/grants
 * The token endpoint's grant types, one module each, keyed by `grant_type` (RFC 6749 §4). The
 * token route looks the grant up here; a grant_type not listed is `unsupported_grant_type`.
 * Discovery's `grant_types_supported` is generated from the same list.
 */
import { authorizationCodeGrant } from './authorization-code';
import { clientCredentialsGrant } from './client-credentials';
import type { GrantHandler } from './context';
import { refreshTokenGrant } from './refresh-token';

export type { GrantContext, GrantHandler } from './context';

export const grants: Readonly<Record<string, GrantHandler>> = Object.freeze({
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
});

export function supportedGrantTypes(): string[] {
  return Object.keys(grants);
}
