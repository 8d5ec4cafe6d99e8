/**
 * @module tokens/grants/authorization-code
 * `authorization_code` (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.6). Enforced:
 *  - the code is genuine, unexpired and redeemed once (HaapiFlow); a replayed code revokes the
 *    tokens its first redemption issued (RFC 6749 §4.1.2, RFC 9700 §4.2.4);
 *  - it was issued to the authenticated client, for exactly this `redirect_uri`;
 *  - `code_verifier` is well-formed and hashes (S256) to the code's challenge; it is absent
 *    exactly when the code has none (a client with `require_pkce` off, whose HAAPI code is bound
 *    to the app's DPoP key);
 *  - a code bound to a DPoP key (HAAPI) is redeemed with a proof of that key.
 * Issues an access token, a refresh token if the client may refresh, and an ID token for `openid`.
 */
import type { RedeemMismatch } from '../../../durable-objects/haapi-flow';
import { sha256Base64Url } from '../../crypto/digest';
import { randomToken } from '../../crypto/random';
import { OAuthError } from '../../errors/oauth-error';
import { revokeFamily } from '../../storage/refresh-families';
import { revokeAccessToken } from '../../storage/revocations';
import { redeemAuthorizationCode } from '../authorization-code';
import { accessTokenTtl, issueTokens } from '../issue-tokens';
import { isWellFormedVerifier } from '../pkce';
import { familyStore, type GrantHandler } from './context';
import { requireAssurance } from './required-assurance';

export const authorizationCodeGrant: GrantHandler = async (context) => {
  const { form, client, db, now } = context;
  const code = form.get('code');
  if (!code) throw new OAuthError('invalid_request', 'The code parameter is missing');
  const verifier = form.get('code_verifier');
  if (!verifier && client.client.requirePkce)
    throw new OAuthError('invalid_request', 'The code_verifier parameter is missing (PKCE)');
  const redirectUri = form.get('redirect_uri');

  // What this redemption will issue, chosen now so that it is recorded with the redemption.
  const refresh = client.client.grantTypes.includes('refresh_token');
  const planned = {
    accessJti: randomToken(16),
    accessExp: now + accessTokenTtl(context),
    ...(refresh ? { familyId: randomToken(16) } : {}),
  };
  if (verifier && !isWellFormedVerifier(verifier)) {
    throw new OAuthError('invalid_grant', 'The code_verifier does not match the code_challenge', {
      reason: 'pkce_mismatch',
    });
  }
  // The client, redirect URI, verifier and DPoP key are checked by the code's object before it
  // uses the code up: a request that fails them leaves the code to its client.
  const redemption = await redeemAuthorizationCode(
    context.flows,
    code,
    context.settings.serverSecret,
    {
      clientId: client.client.clientId,
      redirectUri: redirectUri ?? null,
      challengeOfVerifier: verifier ? await sha256Base64Url(verifier) : null,
      dpopJkt: context.dpop?.jkt ?? null,
    },
    planned,
  );
  if (redemption.status === 'mismatch') throw mismatchError(redemption.reason);
  if (redemption.status === 'replayed') {
    const issued = redemption.issued;
    if (issued?.familyId)
      await revokeFamily(familyStore(context), issued.familyId, 'code_replayed', now);
    if (issued) await revokeAccessToken(db, issued.accessJti, issued.accessExp, now);
    throw new OAuthError('invalid_grant', 'The authorization code was already used', {
      reason: 'code_replayed',
    });
  }
  if (redemption.status === 'invalid') {
    throw new OAuthError('invalid_grant', 'The authorization code is invalid or expired', {
      reason: 'bad_code',
    });
  }
  const { grant } = redemption;
  requireAssurance(context, grant.auth.cal ?? 'none', grant.scope);
  const issued = await issueTokens(context, {
    auth: grant.auth,
    scope: grant.scope,
    refresh,
    idToken: grant.scope.includes('openid') ? { nonce: grant.nonce } : undefined,
    ids: planned,
  });
  return issued.body;
};

function mismatchError(reason: RedeemMismatch): OAuthError {
  if (reason === 'code_dpop_mismatch')
    return new OAuthError(
      'invalid_dpop_proof',
      'The authorization code is bound to another DPoP key',
      {
        reason,
      },
    );
  const description = {
    code_client_mismatch: 'The authorization code was issued to another client',
    redirect_uri_mismatch: 'The redirect_uri does not match the authorization request',
    pkce_mismatch: 'The code_verifier does not match the code_challenge',
  }[reason];
  return new OAuthError('invalid_grant', description, { reason });
}
