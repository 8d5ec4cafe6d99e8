/**
 * @module tokens/grants/required-assurance
 * The client assurance level a grant's tokens carry must meet the client's `min_cal` and every
 * scope's SCOPE_MIN_CAL, at every grant (a client's own tokens, a code, a refresh).
 */
import { OAuthError } from '../../errors/oauth-error';
import { atLeast, requiredAssurance } from '../assurance';
import type { ClientAssuranceLevel } from '../auth-context';
import type { GrantContext } from './context';

/** SCOPE_MIN_CAL and the client's `min_cal` hold for every grant (a client's own tokens too). */
export function requireAssurance(
  context: GrantContext,
  cal: ClientAssuranceLevel,
  scope: readonly string[],
  withClientMinimum = true,
): void {
  const needed = requiredAssurance(
    withClientMinimum ? context.client.client.minCal : null,
    context.settings.scopeMinCal,
    scope,
  );
  if (needed && !atLeast(cal, needed))
    throw new OAuthError(
      'invalid_scope',
      `The requested scope needs a client assurance level of at least ${needed}`,
      { reason: 'cal_too_low' },
    );
}
