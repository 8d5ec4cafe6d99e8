/**
 * @module tokens/claims-mapping
 * Which claims each token carries, per scope (the CLAIMS setting): for `access_token` and
 * `id_token`, a map of scope → claim names. Names from the authentication (`auth_time`, `acr`,
 * `amr`, `cal`) come from the login; any other name is read from the account's attributes. The
 * default releases the authentication claims (client assurance level included) for `openid`,
 * `cal` in the AAT, and the profile and email claims in ID tokens.
 */
import { ConfigError } from '../config/errors';
import { jsonObject } from '../config/parsers';
import type { AuthContext } from './auth-context';

export type TokenKind = 'access_token' | 'id_token';
export type ClaimsMapping = Readonly<
  Record<TokenKind, Readonly<Record<string, readonly string[]>>>
>;

export const DEFAULT_CLAIMS_MAPPING = JSON.stringify({
  access_token: {
    openid: ['auth_time', 'acr', 'amr', 'cal'],
    'urn:se:curity:scopes:haapi': ['cal'],
  },
  id_token: {
    openid: ['auth_time', 'acr', 'amr', 'cal'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
});

const AUTH_CLAIMS = new Set(['auth_time', 'acr', 'amr', 'cal']);
/** Claims a mapping may not set: they are the token's own. */
const RESERVED = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'client_id',
  'scope',
  'cnf',
  'nonce',
  'azp',
  'at_hash',
]);

export function parseClaimsMapping(raw: string, name: string): ClaimsMapping {
  const value = jsonObject(raw, name);
  const result: Record<string, Record<string, string[]>> = { access_token: {}, id_token: {} };
  for (const [token, scopes] of Object.entries(value)) {
    if (token !== 'access_token' && token !== 'id_token')
      throw new ConfigError(`${name}.${token}`, 'must be access_token or id_token');
    if (typeof scopes !== 'object' || scopes === null || Array.isArray(scopes))
      throw new ConfigError(`${name}.${token}`, 'must map scopes to claim lists');
    for (const [scope, claims] of Object.entries(scopes)) {
      if (
        !Array.isArray(claims) ||
        !claims.every((c) => typeof c === 'string' && c !== '' && !RESERVED.has(c))
      ) {
        throw new ConfigError(
          `${name}.${token}.${scope}`,
          'must be an array of claim names (not registered JWT claims)',
        );
      }
      (result[token] as Record<string, string[]>)[scope] = claims;
    }
  }
  return result as unknown as ClaimsMapping;
}

/** The claims `token` releases for `scopes`, from the authentication and the account's attributes. */
export function releasedClaims(
  mapping: ClaimsMapping,
  token: TokenKind,
  scopes: readonly string[],
  auth: AuthContext,
  attributes: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const names = new Set(scopes.flatMap((scope) => mapping[token][scope] ?? []));
  const fromAuth: Record<string, unknown> = {
    auth_time: auth.authTime,
    acr: auth.acr,
    amr: auth.amr ? [...auth.amr] : undefined,
    cal: auth.cal,
  };
  const claims: Record<string, unknown> = {};
  for (const name of names) {
    const value = AUTH_CLAIMS.has(name) ? fromAuth[name] : attributes[name];
    if (value !== undefined) claims[name] = value;
  }
  return claims;
}

/** Whether `token` releases any account attribute for `scopes` (then the account is read). */
export function needsAttributes(
  mapping: ClaimsMapping,
  token: TokenKind,
  scopes: readonly string[],
): boolean {
  return scopes.some((scope) =>
    (mapping[token][scope] ?? []).some((name) => !AUTH_CLAIMS.has(name)),
  );
}
