/**
 * @module clients/auth/failure
 * The one error every failed client authentication becomes: 401 invalid_client (RFC 6749 §5.2),
 * with `WWW-Authenticate: Basic` when the client used HTTP Basic. The reason stays internal.
 */
import { OAuthError } from '../../errors/oauth-error';
import type { ClientAuthReason } from './types';

export function clientAuthFailed(reason: ClientAuthReason, basic = false): OAuthError {
  return new OAuthError('invalid_client', 'Client authentication failed', {
    status: 401,
    reason,
    headers: basic ? { 'WWW-Authenticate': 'Basic realm="edge-haapi", charset="UTF-8"' } : {},
  });
}
