/**
 * @module clients/auth/client-secret
 * `client_secret_basic` (RFC 6749 §2.3.1, credentials form-urlencoded inside HTTP Basic) and
 * `client_secret_post` (the same credentials in the form body). The secret is checked against
 * the stored hash in constant time (crypto/secret-hash.ts). An unknown client still costs a hash
 * check, so that it fails the same way as a wrong secret.
 */
import { verifySecret } from '../../crypto/secret-hash';
import { DYNAMIC_CLIENT_PREFIX, isUsable } from '../client';
import { clientAuthFailed } from './failure';
import type { AuthenticatedClient, AuthRequest } from './types';

/**
 * Well-formed hashes of a random value, verified when the client is unknown and never matching:
 * as costly as the real hash of a client with that kind of id (generated secrets of dynamic
 * clients are SHA-256; configured secrets PBKDF2), so the answer's time tells nothing.
 */
const DUMMY_GENERATED_HASH =
  'sha256$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const DUMMY_CONFIGURED_HASH =
  'pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export function dummyHashFor(clientId: string): string {
  return clientId.startsWith(DYNAMIC_CLIENT_PREFIX) ? DUMMY_GENERATED_HASH : DUMMY_CONFIGURED_HASH;
}

export interface SecretCredentials {
  readonly clientId: string;
  readonly secret: string;
}

const BASIC = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;
const BASIC_SCHEME = /^Basic\s/i;
/** Strict UTF-8 (a malformed sequence throws); one decoder, as it keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Splits `Authorization: Basic ...`; null when the header is not Basic. */
export function parseBasic(authorization: string): SecretCredentials | 'malformed' | null {
  if (!BASIC_SCHEME.test(authorization)) return null;
  const match = BASIC.exec(authorization);
  if (!match) return 'malformed';
  let decoded: string;
  try {
    const binary = atob(match[1] as string);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    decoded = UTF8.decode(bytes);
  } catch {
    return 'malformed';
  }
  const colon = decoded.indexOf(':');
  if (colon < 1) return 'malformed';
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return 'malformed';
  }
}

export async function authenticateWithSecret(
  request: AuthRequest,
  credentials: SecretCredentials,
  method: 'client_secret_basic' | 'client_secret_post',
): Promise<AuthenticatedClient> {
  const basic = method === 'client_secret_basic';
  const client = await request.findClient(credentials.clientId);
  const matches = await verifySecret(
    credentials.secret,
    client?.secretHash ?? dummyHashFor(credentials.clientId),
  );
  if (!client) throw clientAuthFailed('unknown_client', basic);
  if (!client.secretHash) throw clientAuthFailed('no_secret', basic);
  if (!matches) {
    // A dynamic client re-registered: its previous secret works until the new one is used.
    if (
      !client.previousSecretHash ||
      !(await verifySecret(credentials.secret, client.previousSecretHash))
    )
      throw clientAuthFailed('bad_secret', basic);
  } else if (client.previousSecretHash) {
    await request.forgetPreviousSecret?.(client.clientId);
  }
  if (!isUsable(client, request.now)) throw clientAuthFailed('client_disabled', basic);
  if (!client.authMethods.includes(method)) throw clientAuthFailed('method_not_allowed', basic);
  return { client, method };
}
