/**
 * @module tokens/haapi-scope
 * The HAAPI access token (AAT, docs/haapi-protocol.md §2): client_credentials with the scope
 * `urn:se:curity:scopes:haapi`, always DPoP-bound. How the client got here sets its client
 * assurance level (`cal`, a project-defined claim):
 *  - attested (a CAT): `by-policy`; the DPoP proof must be signed by the attested key;
 *  - mTLS or a private_key_jwt assertion: `by-provisioned-key`;
 *  - a client secret (or nothing stronger): `none`.
 * Clients that do not attest need the `allowWithoutAttestation` capability (§2.2).
 */
import type { AuthenticatedClient } from '../clients/auth';
import { OAuthError } from '../errors/oauth-error';
import type { ClientAssuranceLevel } from './auth-context';
import type { VerifiedProof } from './dpop-proof';

export const HAAPI_SCOPE = 'urn:se:curity:scopes:haapi';

export function clientAssuranceLevel(client: AuthenticatedClient): ClientAssuranceLevel {
  // A dynamic client is as trusted as the registration that created it (its own secret says
  // nothing more about the device).
  if (client.client.registrationCal && client.method !== 'attestation')
    return client.client.registrationCal;
  return methodAssuranceLevel(client);
}

/** The level the authentication method itself gives. */
export function methodAssuranceLevel(client: AuthenticatedClient): ClientAssuranceLevel {
  switch (client.method) {
    case 'attestation':
      // A web page proves its origin, not its device: browsers get `none` (docs/reference.md, web clients).
      return client.attestation?.platform === 'web' ? 'none' : 'by-policy';
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
    case 'private_key_jwt':
      return 'by-provisioned-key';
    case 'client_secret_basic':
    case 'client_secret_post':
    case 'none':
      return 'none';
  }
}

/** Checks an AAT request; returns the `cal` the AAT carries. */
export function checkHaapiRequest(
  client: AuthenticatedClient,
  scope: readonly string[],
  dpop: VerifiedProof | null,
): ClientAssuranceLevel {
  if (scope.length !== 1)
    throw new OAuthError('invalid_scope', `The scope ${HAAPI_SCOPE} must be requested alone`);
  if (!client.client.capabilities.haapi) {
    throw new OAuthError(
      'unauthorized_client',
      'The client may not use the Hypermedia Authentication API',
    );
  }
  if (!dpop) {
    throw new OAuthError(
      'invalid_dpop_proof',
      'The HAAPI access token is DPoP-bound: send a DPoP proof',
      {
        reason: 'aat_without_dpop',
      },
    );
  }
  if (client.attestation) {
    if (dpop.jkt !== client.attestation.jkt) {
      throw new OAuthError(
        'invalid_dpop_proof',
        'The DPoP proof must be signed by the attested key',
        {
          reason: 'dpop_key_not_attested',
        },
      );
    }
  } else if (!client.client.capabilities.allowWithoutAttestation) {
    throw new OAuthError('unauthorized_client', 'This client must attest before using the HAAPI', {
      reason: 'attestation_required',
    });
  }
  return clientAssuranceLevel(client);
}
