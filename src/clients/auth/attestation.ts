/**
 * @module clients/auth/attestation
 * Client authentication by attestation (docs/haapi-protocol.md §2.1 step C): the client assertion
 * is a CAT of type `urn:se:curity:attestation:client`. Enforced: the CAT is ours, unexpired, for
 * the token endpoint, used once (ReplayGuard); its client exists, is usable and still has the
 * policy it attested under; `client_id`, if sent, names the same client. The attested DPoP key
 * travels on, and the grant requires the request's DPoP proof to be signed by it.
 */
import { ATTESTATION_ASSERTION_TYPE, verifyCat } from '../../attestation/cat';
import { keyObject, useOnce } from '../../replay/use-once';
import { loadKeySet } from '../../tokens/keys';
import { isUsable } from '../client';
import { clientAuthFailed } from './failure';
import type { AuthenticatedClient, AuthRequest } from './types';

export { ATTESTATION_ASSERTION_TYPE };

export async function authenticateWithCat(request: AuthRequest): Promise<AuthenticatedClient> {
  const { settings, form, now } = request;
  const keys = await loadKeySet(settings.signingKeys);
  const cat = await verifyCat(
    keys,
    form.get('client_assertion') ?? '',
    settings.issuer,
    settings.endpoints.token,
    now,
  );
  if (!cat) throw clientAuthFailed('bad_assertion');
  const formClientId = form.get('client_id');
  if (formClientId !== undefined && formClientId !== cat.sub)
    throw clientAuthFailed('assertion_bad_issuer');
  const client = await request.findClient(cat.sub);
  if (!client) throw clientAuthFailed('unknown_client');
  if (!isUsable(client, now)) throw clientAuthFailed('client_disabled');
  if (client.attestationPolicy !== cat.policy) throw clientAuthFailed('method_not_allowed');
  const ttl = Math.max(cat.exp - now + 1, 1);
  // The CAT is bound to the attested key: its single use is kept in that key's object (near the
  // device; a replay carries the same key, so it meets the same object).
  if (
    (await useOnce(request.replayGuard, 'cat', cat.jti, ttl, keyObject(cat.cnf.jkt))) !==
    'first-use'
  ) {
    throw clientAuthFailed('assertion_replayed');
  }
  return {
    client,
    method: 'attestation',
    attestation: { jkt: cat.cnf.jkt, platform: cat.platform, evidence: cat.att },
  };
}
