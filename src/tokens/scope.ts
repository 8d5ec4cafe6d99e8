/**
 * @module tokens/scope
 * Scope parsing and checks (RFC 6749 §3.3): space-delimited NQCHAR tokens, each allowed for the
 * client; no scope requested means the client's registered scopes.
 */
import { OAuthError } from '../errors/oauth-error';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function parseScope(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const scopes = raw.split(' ').filter(Boolean);
  if (scopes.some((s) => !SCOPE_TOKEN.test(s))) {
    throw new OAuthError('invalid_scope', 'The scope parameter is malformed');
  }
  return [...new Set(scopes)];
}

/** The granted scope: the requested one if every token is allowed, else invalid_scope. */
export function grantScope(requested: string[] | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined) return [...allowed];
  const refused = requested.filter((s) => !allowed.includes(s));
  if (refused.length > 0) {
    throw new OAuthError('invalid_scope', 'A requested scope is not allowed for this client');
  }
  return requested;
}
