// WebAuthn attestation policies on real registration responses (test/vectors/webauthn/, from
// SimpleWebAuthn's test data, MIT): a packed full attestation from Chrome's virtual authenticator
// and an Apple attestation from an iPhone. The ceremony is verified by @simplewebauthn/server
// (verifyRegistration), then the policy decides (webauthn/attestation-policy.ts). Then the FIDO
// metadata blob (webauthn/metadata.ts): a fixture payload (test/vectors/webauthn/
// mds-payload.json) signed here by a test signing certificate under a test root.
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import { CompactSign } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDevCa, ecKeyPair, issueCertificate } from '../../../client/dev-attestation';
import { decodeBase64Url } from '../../../src/crypto/base64url';
import { encodeBase64 } from '../../../src/crypto/pem';
import worker from '../../../src/index';
import { findMetadata } from '../../../src/storage/webauthn-metadata';
import {
  AttestationRefused,
  type AuthenticatorMetadata,
  checkAttestation,
  type WebauthnAttestationPolicy,
} from '../../../src/webauthn/attestation-policy';
import { type RegisteredDevice, verifyRegistration } from '../../../src/webauthn/ceremonies';
import {
  MetadataBlobError,
  metadataRoots,
  refreshMetadata,
  verifyMetadataBlob,
} from '../../../src/webauthn/metadata';
import type { RelyingParty } from '../../../src/webauthn/settings';
import apple from '../../vectors/webauthn/apple-iphone-2020.json';
import payloadFixture from '../../vectors/webauthn/mds-payload.json';
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

// The FIDO metadata blob (webauthn/metadata.ts), signed here under a test root.

function payload(changes: Record<string, unknown> = {}): Record<string, unknown> {
  const text = JSON.stringify(payloadFixture).replace(
    '__PACKED_BATCH_CERTIFICATE__',
    batchCertificate(),
  );
  return { ...(JSON.parse(text) as Record<string, unknown>), ...changes };
}

/** A blob signed by a signing certificate issued by `root` (valid until `notAfter`). */
async function signedBlob(
  root: Awaited<ReturnType<typeof createDevCa>>,
  body: Record<string, unknown>,
  notAfter?: Date,
): Promise<string> {
  const keys = await ecKeyPair();
  const leaf = await issueCertificate({
    subject: 'Metadata Signer (test)',
    issuer: root,
    subjectKey: keys.publicKey,
    signingKey: root.keys.privateKey,
    ca: false,
    ...(notAfter ? { notAfter, notBefore: new Date(notAfter.getTime() - 86400_000) } : {}),
  });
  return new CompactSign(new TextEncoder().encode(JSON.stringify(body)))
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [encodeBase64(leaf)] })
    .sign(keys.privateKey);
}

const TODAY = new Date();

describe('FIDO metadata blobs', () => {
  afterEach(async () => {
    vi.restoreAllMocks();
    await env.DB.batch([
      env.DB.prepare('DELETE FROM webauthn_metadata'),
      env.DB.prepare('DELETE FROM webauthn_metadata_blob'),
    ]);
  });

  it('verifies a blob signed under the root, keeping FIDO2 entries with their latest status', async () => {
    const root = await createDevCa('Test Metadata Root');
    const blob = await verifyMetadataBlob(
      await signedBlob(root, payload()),
      metadataRoots([root.pem]),
      TODAY,
    );
    expect(blob.serial).toBe(42);
    expect(blob.nextUpdate).toBe('2027-01-01');
    expect(blob.entries.map((e) => [e.aaguid, e.description, e.status])).toEqual([
      [
        '01020304-0506-0708-0102-030405060708',
        'Chromium virtual authenticator',
        'FIDO_CERTIFIED_L1',
      ],
      [
        '00000000-0000-0000-0000-000000000000',
        'Authenticator without an AAGUID (software authenticator of the test suite)',
        'FIDO_CERTIFIED',
      ],
      ['cb69481e-8ff7-4039-93ec-0a2729a154a8', 'A revoked model', 'REVOKED'],
    ]);
    expect(blob.entries[0]?.attestationRootCertificates).toEqual([batchCertificate()]);
  });

  it('refuses a blob under another root, a changed payload, an expired signer, and a non-JWS', async () => {
    const root = await createDevCa('Test Metadata Root');
    const other = await createDevCa('Another Root');
    const good = await signedBlob(root, payload());
    const refusal = (blob: string) =>
      verifyMetadataBlob(blob, metadataRoots([root.pem]), TODAY).then(
        () => 'accepted',
        (err: unknown) => (err instanceof MetadataBlobError ? err.message : String(err)),
      );
    expect(await refusal(await signedBlob(other, payload()))).toContain('metadata root');
    const [header, , signature] = good.split('.');
    const forged = `${header}.${btoa(JSON.stringify(payload({ no: 43 })))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')}.${signature}`;
    expect(await refusal(forged)).toContain('signature does not verify');
    expect(
      await refusal(await signedBlob(root, payload(), new Date(Date.now() - 86400_000))),
    ).toContain('not valid now');
    expect(await refusal('not a blob')).toContain('not a JWS');
    // The FIDO root the library ships is the default, and it is not our test root.
    expect(await verifyMetadataBlob(good, metadataRoots([]), TODAY).catch((e) => e)).toBeInstanceOf(
      MetadataBlobError,
    );
  });

  it('the Cron job stores a newer blob; an older or equal one, or a bad one, keeps the stored entries', async () => {
    const root = await createDevCa('Test Metadata Root');
    const url = 'https://mds.example/';
    let served = await signedBlob(root, payload());
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      expect(String(input instanceof Request ? input.url : input)).toBe(url);
      return new Response(served);
    });
    const cron = async () => {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController(),
        { ...env, WEBAUTHN_METADATA_URL: url, WEBAUTHN_METADATA_ROOT: root.pem } as Env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    };
    await cron();
    expect(fetchSpy).toHaveBeenCalled();
    const stored = await findMetadata(env.DB, '01020304-0506-0708-0102-030405060708');
    expect(stored).toMatchObject({
      description: 'Chromium virtual authenticator',
      status: 'FIDO_CERTIFIED_L1',
    });
    // The same serial number, an older one, or a blob that does not verify: nothing changes.
    served = await signedBlob(root, payload({ entries: [] }));
    expect(await refreshMetadata(env.DB, url, metadataRoots([root.pem]), TODAY)).toEqual({
      stored: false,
      reason: 'serial 42 is not newer than 42',
    });
    served = await signedBlob(root, payload({ no: 41, entries: [] }));
    await cron();
    served = await signedBlob(await createDevCa('Rogue Root'), payload({ no: 99, entries: [] }));
    await cron();
    expect(await findMetadata(env.DB, '01020304-0506-0708-0102-030405060708')).not.toBeNull();
    // A newer blob replaces every entry.
    served = await signedBlob(root, payload({ no: 43, entries: [] }));
    expect(await refreshMetadata(env.DB, url, metadataRoots([root.pem]), TODAY)).toEqual({
      stored: true,
      serial: 43,
      entries: 0,
    });
    expect(await findMetadata(env.DB, '01020304-0506-0708-0102-030405060708')).toBeNull();
  });
});
