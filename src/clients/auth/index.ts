/**
 * @module clients/auth
 * Client authentication at the token, introspection, revocation and registration endpoints.
 * Picks the one method the request uses (RFC 6749 §2.3: a client must not use more than one):
 * HTTP Basic → client_secret_basic; `client_secret` → client_secret_post; `client_assertion` →
 * the assertion type's handler (private_key_jwt; attestation adds its own); otherwise, by
 * `client_id`: a presented TLS client certificate → tls_client_auth / self_signed_tls_client_auth,
 * else `none` for a public client.
 */
import { OAuthError } from '../../errors/oauth-error';
import { AUTH_METHODS, isUsable } from '../client';
import { ATTESTATION_ASSERTION_TYPE, authenticateWithCat } from './attestation';
import { authenticateWithSecret, parseBasic } from './client-secret';
import { clientAuthFailed } from './failure';
import { authenticateWithAssertion, JWT_BEARER_ASSERTION } from './private-key-jwt';
import { authenticateWithCertificate, hasCertificate } from './tls-client-auth';
import type { AuthenticatedClient, AuthRequest } from './types';

export type { AuthenticatedClient, AuthRequest, TlsClientAuth } from './types';

export type AssertionHandler = (request: AuthRequest) => Promise<AuthenticatedClient>;

/** Client assertion types and their verifiers (RFC 7521 §4.2). */
const assertionHandlers = new Map<string, AssertionHandler>([
  [JWT_BEARER_ASSERTION, authenticateWithAssertion],
  [ATTESTATION_ASSERTION_TYPE, authenticateWithCat],
]);

export function supportedAuthMethods(): string[] {
  return [...AUTH_METHODS];
}

export async function authenticateClient(request: AuthRequest): Promise<AuthenticatedClient> {
  const { form, authorization } = request;
  const basic = authorization ? parseBasic(authorization) : null;
  const usesSecretPost = form.has('client_secret');
  const usesAssertion = form.has('client_assertion') || form.has('client_assertion_type');
  if ([basic !== null, usesSecretPost, usesAssertion].filter(Boolean).length > 1) {
    throw new OAuthError('invalid_request', 'Only one client authentication method may be used', {
      reason: 'multiple_methods',
    });
  }
  if (basic === 'malformed') throw clientAuthFailed('malformed_basic', true);
  if (basic) {
    const formClientId = form.get('client_id');
    if (formClientId !== undefined && formClientId !== basic.clientId) {
      throw clientAuthFailed('unknown_client', true);
    }
    return authenticateWithSecret(request, basic, 'client_secret_basic');
  }
  if (usesSecretPost) {
    return authenticateWithSecret(
      request,
      { clientId: form.get('client_id') ?? '', secret: form.get('client_secret') ?? '' },
      'client_secret_post',
    );
  }
  if (usesAssertion) {
    const handler = assertionHandlers.get(form.get('client_assertion_type') ?? '');
    if (!handler) throw clientAuthFailed('bad_assertion_type');
    return handler(request);
  }
  const clientId = form.get('client_id');
  if (!clientId) {
    throw new OAuthError('invalid_request', 'Client authentication or client_id is required', {
      status: 400,
    });
  }
  const client = await request.findClient(clientId);
  if (!client) throw clientAuthFailed('unknown_client');
  const usesMtls =
    client.authMethods.includes('tls_client_auth') ||
    client.authMethods.includes('self_signed_tls_client_auth');
  if (usesMtls && hasCertificate(request.tlsClientAuth)) {
    return authenticateWithCertificate(request, clientId);
  }
  if (client.clientType === 'public' && client.authMethods.includes('none')) {
    if (!isUsable(client, request.now)) throw clientAuthFailed('client_disabled');
    return { client, method: 'none' };
  }
  throw clientAuthFailed(usesMtls ? 'no_certificate' : 'method_not_allowed');
}
