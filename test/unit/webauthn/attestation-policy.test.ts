// WebAuthn attestation policies on real registration responses (test/vectors/webauthn/, from
// SimpleWebAuthn's test data, MIT): a packed full attestation from Chrome's virtual authenticator
// and an Apple attestation from an iPhone. The ceremony is verified by @simplewebauthn/server
// (verifyRegistration), then the policy decides (webauthn/attestation-policy.ts).

import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeBase64Url } from '../../../src/crypto/base64url';
import { encodeBase64 } from '../../../src/crypto/pem';
import {
  AttestationRefused,
  type AuthenticatorMetadata,
  checkAttestation,
  type WebauthnAttestationPolicy,
} from '../../../src/webauthn/attestation-policy';
import { type RegisteredDevice, verifyRegistration } from '../../../src/webauthn/ceremonies';
import type { RelyingParty } from '../../../src/webauthn/settings';
import apple from '../../vectors/webauthn/apple-iphone-2020.json';
import packed from '../../vectors/webauthn/packed-chrome-virtual.json';

type Vector = typeof packed & { verificationTime?: string };

function rpOf(vector: Vector): RelyingParty {
  return {
    id: vector.relyingParty.id,
    name: 'test',
    origins: [vector.relyingParty.origin],
    timeoutMs: 60_000,
    userGesture: 'never',
  };
}

async function verified(vector: Vector): Promise<RegisteredDevice> {
  return verifyRegistration(
    rpOf(vector),
    'any-device',
    vector.challenge,
    JSON.stringify(vector.response),
  );
}

/** The statement's x5c certificate, base64 (as FIDO metadata lists roots). */
function batchCertificate(): string {
  const bytes = decodeBase64Url(packed.response.response.attestationObject) as Uint8Array;
  const decoded = decodeAttestationObject(bytes as Parameters<typeof decodeAttestationObject>[0]);
  return encodeBase64(decoded.get('attStmt').get('x5c')?.[0] as Uint8Array);
}

const policy = (changes: Partial<WebauthnAttestationPolicy> = {}): WebauthnAttestationPolicy => ({
  conveyance: 'direct',
  allowedAaguids: null,
  requireTrustedAttestation: false,
  ...changes,
});

function metadataFor(
  aaguid: string,
  changes: Partial<AuthenticatorMetadata> = {},
): AuthenticatorMetadata {
  return {
    aaguid,
    description: 'Chromium virtual authenticator',
    attestationRootCertificates: [batchCertificate()],
    status: 'FIDO_CERTIFIED',
    ...changes,
  };
}

const NOW = new Date('2026-12-01T00:00:00Z');

describe('Packed full attestation (Chrome virtual authenticator)', () => {
  it('verifies as a ceremony, and is trusted when its metadata lists the batch certificate', async () => {
    const device = await verified(packed);
    expect(device.aaguid).toBe(packed.aaguid);
    const verdict = await checkAttestation(
      policy({ requireTrustedAttestation: true }),
      device,
      metadataFor(packed.aaguid),
      NOW,
    );
    expect(verdict).toEqual({ fmt: 'packed', trusted: true });
  });

  it('is untrusted without metadata (refused when trust is required), and after the certificate expired', async () => {
    const device = await verified(packed);
    expect(await checkAttestation(policy(), device, null, NOW)).toEqual({
      fmt: 'packed',
      trusted: false,
    });
    await expect(
      checkAttestation(policy({ requireTrustedAttestation: true }), device, null, NOW),
    ).rejects.toThrow(new AttestationRefused('attestation_untrusted'));
    // Metadata naming another root does not help either.
    const otherRoot = metadataFor(packed.aaguid, {
      attestationRootCertificates: [encodeBase64(new Uint8Array([0x30, 0x00]))],
    });
    await expect(
      checkAttestation(policy({ requireTrustedAttestation: true }), device, otherRoot, NOW),
    ).rejects.toThrow(new AttestationRefused('attestation_untrusted'));
    const later = await checkAttestation(
      policy(),
      device,
      metadataFor(packed.aaguid),
      new Date('2041-04-01T00:00:00Z'),
    );
    expect(later.trusted).toBe(false);
  });

  it('the AAGUID allow-list and a compromised status refuse the model', async () => {
    const device = await verified(packed);
    await expect(
      checkAttestation(
        policy({ allowedAaguids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'] }),
        device,
        null,
        NOW,
      ),
    ).rejects.toThrow(new AttestationRefused('aaguid_not_allowed'));
    expect(
      (await checkAttestation(policy({ allowedAaguids: [packed.aaguid] }), device, null, NOW)).fmt,
    ).toBe('packed');
    for (const status of ['REVOKED', 'ATTESTATION_KEY_COMPROMISE', 'USER_VERIFICATION_BYPASS']) {
      await expect(
        checkAttestation(policy(), device, metadataFor(packed.aaguid, { status }), NOW),
      ).rejects.toThrow(new AttestationRefused('authenticator_compromised'));
    }
  });
});

describe('Apple attestation (iPhone, 2020)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('chains to the Apple WebAuthn root at its time; its one-day leaf is expired today', async () => {
    const at = new Date((apple as Vector).verificationTime as string);
    vi.useFakeTimers({ now: at, toFake: ['Date'] });
    const device = await verified(apple as Vector);
    expect(
      await checkAttestation(policy({ requireTrustedAttestation: true }), device, null, at),
    ).toEqual({ fmt: 'apple', trusted: true });
    vi.useRealTimers();
    expect((await checkAttestation(policy(), device, null, NOW)).trusted).toBe(false);
  });
});
