/**
 * A software WebAuthn authenticator for tests through the Worker: it answers the options our
 * server sends the way a browser + authenticator would (W3C WebAuthn L3 §6.1 authenticator data,
 * §6.5.4 `none` attestation, §6.3.3 assertion signatures), with ES256 keys. Knobs make bad
 * authenticators: no user verification, wrong origin, a counter that does not move.
 */
import { type CBORType, encodeCBOR } from '@levischuck/tiny-cbor';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeBase64Url, encodeBase64Url } from '../../src/crypto/base64url';
import { join, sha, toDerSignature, u32 } from './dev-attestation';

interface Credential {
  id: Uint8Array;
  keys: CryptoKeyPair;
  /** The COSE public key (what a relying party stores). */
  cose: Uint8Array;
  rpId: string;
  userHandle: string;
  counter: number;
}

export interface SoftAuthenticatorOptions {
  origin: string;
  attachment?: 'platform' | 'cross-platform';
  userVerification?: boolean;
  backupEligible?: boolean;
  /** Counter step per use (0: a counter that never moves, as synced passkeys do). */
  counterStep?: number;
}

export class SoftAuthenticator {
  readonly credentials: Credential[] = [];
  constructor(readonly options: SoftAuthenticatorOptions) {}

  private flags(extra: number): number {
    const uv = this.options.userVerification !== false ? 0x04 : 0;
    const be = this.options.backupEligible ? 0x18 : 0;
    return 0x01 | uv | be | extra;
  }

  private clientData(type: string, challenge: string, origin?: string): string {
    return JSON.stringify({
      type,
      challenge,
      origin: origin ?? this.options.origin,
      crossOrigin: false,
    });
  }

  async create(
    options: PublicKeyCredentialCreationOptionsJSON,
    tamper: { origin?: string } = {},
  ): Promise<RegistrationResponseJSON> {
    const rpId = options.rp.id as string;
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey('jwk', keys.publicKey)) as JsonWebKey;
    const cose = encodeCBOR(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, decodeBase64Url(jwk.x as string) as Uint8Array],
        [-3, decodeBase64Url(jwk.y as string) as Uint8Array],
      ]),
    );
    const id = crypto.getRandomValues(new Uint8Array(32));
    const credential: Credential = {
      id,
      keys,
      cose,
      rpId,
      userHandle: options.user.id,
      counter: 0,
    };
    this.credentials.push(credential);
    const authData = join(
      await sha(rpId),
      Uint8Array.of(this.flags(0x40)),
      u32(0),
      new Uint8Array(16),
      Uint8Array.of(0, id.length),
      id,
      cose,
    );
    const attestationObject = encodeCBOR(
      new Map<string, CBORType>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, CBORType>()],
        ['authData', authData],
      ]),
    );
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, tamper.origin);
    return {
      id: encodeBase64Url(id),
      rawId: encodeBase64Url(id),
      type: 'public-key',
      response: {
        clientDataJSON: encodeBase64Url(new TextEncoder().encode(clientDataJSON)),
        attestationObject: encodeBase64Url(attestationObject),
        transports: this.options.attachment === 'platform' ? ['internal'] : ['usb'],
      },
      authenticatorAttachment: this.options.attachment ?? 'cross-platform',
      clientExtensionResults: {},
    };
  }

  async get(
    options: PublicKeyCredentialRequestOptionsJSON,
    tamper: { origin?: string } = {},
  ): Promise<AuthenticationResponseJSON> {
    const allowed = (options.allowCredentials ?? []).map((c) => c.id);
    const credential = this.credentials.find(
      (c) =>
        c.rpId === options.rpId &&
        (allowed.length === 0 || allowed.includes(encodeBase64Url(c.id))),
    );
    if (!credential) throw new Error('no credential for these options');
    credential.counter += this.options.counterStep ?? 1;
    const authData = join(
      await sha(credential.rpId),
      Uint8Array.of(this.flags(0)),
      u32(credential.counter),
    );
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, tamper.origin);
    const signed = join(authData, await sha(clientDataJSON));
    const raw = new Uint8Array(
      await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        credential.keys.privateKey,
        signed,
      ),
    );
    return {
      id: encodeBase64Url(credential.id),
      rawId: encodeBase64Url(credential.id),
      type: 'public-key',
      response: {
        clientDataJSON: encodeBase64Url(new TextEncoder().encode(clientDataJSON)),
        authenticatorData: encodeBase64Url(authData),
        signature: encodeBase64Url(new Uint8Array(toDerSignature(raw))),
        userHandle: credential.userHandle,
      },
      authenticatorAttachment: this.options.attachment ?? 'cross-platform',
      clientExtensionResults: {},
    };
  }
}
