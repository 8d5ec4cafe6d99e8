// The FIDO metadata blob (webauthn/metadata.ts): a fixture payload (test/vectors/webauthn/
// mds-payload.json) signed here as an MDS3 blob by a test signing certificate under a test root.
// Verified, it is stored in D1 by the Cron job; a wrong root, a changed payload, an expired
// signing certificate or an older serial number change nothing.
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
  MetadataBlobError,
  metadataRoots,
  refreshMetadata,
  verifyMetadataBlob,
} from '../../../src/webauthn/metadata';
import payloadFixture from '../../vectors/webauthn/mds-payload.json';
import packed from '../../vectors/webauthn/packed-chrome-virtual.json';

function batchCertificate(): string {
  const bytes = decodeBase64Url(packed.response.response.attestationObject) as Uint8Array;
  const decoded = decodeAttestationObject(bytes as Parameters<typeof decodeAttestationObject>[0]);
  return encodeBase64(decoded.get('attStmt').get('x5c')?.[0] as Uint8Array);
}

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

const NOW = new Date();

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
      NOW,
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
      verifyMetadataBlob(blob, metadataRoots([root.pem]), NOW).then(
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
    expect(await verifyMetadataBlob(good, metadataRoots([]), NOW).catch((e) => e)).toBeInstanceOf(
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
    expect(await refreshMetadata(env.DB, url, metadataRoots([root.pem]), NOW)).toEqual({
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
    expect(await refreshMetadata(env.DB, url, metadataRoots([root.pem]), NOW)).toEqual({
      stored: true,
      serial: 43,
      entries: 0,
    });
    expect(await findMetadata(env.DB, '01020304-0506-0708-0102-030405060708')).toBeNull();
  });
});
