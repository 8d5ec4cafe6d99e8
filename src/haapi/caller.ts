/**
 * @module haapi/caller
 * Who is calling a HAAPI endpoint (docs/haapi-protocol.md §3): every call carries
 * `Authorization: DPoP <AAT>` and a DPoP proof with `ath`; the AAT must carry the HAAPI scope.
 * Failures are RFC 6750 / 9449 errors (401 with WWW-Authenticate, spec §6).
 */
import { OAuthError } from '../errors/oauth-error';
import type { AccessTokenClaims } from '../tokens/access-token';
import type { ClientAssuranceLevel } from '../tokens/auth-context';
import {
  checkAccessToken,
  invalidToken,
  presentedToken,
  type ResourceCheck,
} from '../tokens/bearer';
import { HAAPI_SCOPE } from '../tokens/haapi-scope';

export interface HaapiCaller {
  readonly clientId: string;
  readonly jkt: string;
  readonly cal: ClientAssuranceLevel | undefined;
  readonly claims: AccessTokenClaims;
}

export async function verifyHaapiCaller(
  authorization: string | undefined,
  check: Omit<ResourceCheck, 'presented'>,
): Promise<HaapiCaller> {
  const presented = presentedToken(authorization);
  if (!presented) {
    throw new OAuthError('invalid_token', 'A HAAPI access token is required', {
      status: 401,
      headers: { 'WWW-Authenticate': 'DPoP error="invalid_token"' },
      reason: 'no_aat',
    });
  }
  if (presented.scheme !== 'DPoP')
    throw invalidToken(
      'The HAAPI access token must be sent with the DPoP scheme',
      'DPoP',
      'aat_as_bearer',
    );
  const claims = await checkAccessToken({ ...check, presented });
  const jkt = claims.cnf?.jkt;
  if (!jkt) throw invalidToken('The HAAPI access token is not DPoP-bound', 'DPoP', 'aat_unbound');
  if (!(claims.scope ?? '').split(' ').includes(HAAPI_SCOPE)) {
    throw new OAuthError('insufficient_scope', 'The access token is not a HAAPI access token', {
      headers: { 'WWW-Authenticate': `DPoP error="insufficient_scope", scope="${HAAPI_SCOPE}"` },
    });
  }
  return {
    clientId: claims.client_id,
    jkt,
    cal: claims.cal as ClientAssuranceLevel | undefined,
    claims,
  };
}
