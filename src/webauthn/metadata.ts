/**
 * @module webauthn/metadata
 * The FIDO Metadata Service (MDS3) blob: a JWS whose `x5c` header chains to the metadata root
 * (FIDO MDS3 §3.2), holding one entry per authenticator model. The Cron trigger fetches it and
 * stores the FIDO2 entries (those with an AAGUID) in D1 only when
 *  - the signing chain reaches a root (names, signatures, validity at `now`: attestation/x509),
 *  - the signature verifies with the chain's leaf key,
 *  - its serial number (`no`) is above the stored one (a replayed older blob changes nothing).
 * Anything else keeps the stored entries, and says why (the job logs it). Nothing is fetched at
 * request time: registrations read the stored entries.
 */
import { SettingsService } from '@simplewebauthn/server';
import { compactVerify, decodeProtectedHeader, importX509 } from 'jose';
import { type ParsedCertificate, parseCertificate } from '../attestation/x509/certificate';
import { anchorOf, namesChain, signaturesChain, validityProblem } from '../attestation/x509/chain';
import { decodeBase64, derToPem, pemToDer } from '../crypto/pem';
import type { Db } from '../storage/db';
import { replaceMetadata, storedBlobSerial } from '../storage/webauthn-metadata';
import type { AuthenticatorMetadata } from './attestation-policy';

export class MetadataBlobError extends Error {}

export interface VerifiedBlob {
  readonly serial: number;
  readonly nextUpdate: string;
  readonly entries: AuthenticatorMetadata[];
}

/** The metadata roots: WEBAUTHN_METADATA_ROOT, else the FIDO root the library ships. */
export function metadataRoots(configured: readonly string[]): ParsedCertificate[] {
  const pems =
    configured.length > 0 ? configured : SettingsService.getRootCertificates({ identifier: 'mds' });
  return pems.map((pem) => parseCertificate(pemToDer(pem)));
}

const ALGORITHMS = ['ES256', 'RS256', 'PS256'];
const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The latest status report's status: the one with the latest `effectiveDate`, else the last. */
function latestStatus(reports: unknown): string | null {
  if (!Array.isArray(reports)) return null;
  const valid = reports.filter(
    (r): r is { status: string; effectiveDate?: string } =>
      isRecord(r) && typeof r.status === 'string',
  );
  const dated = [...valid].sort((a, b) =>
    (a.effectiveDate ?? '').localeCompare(b.effectiveDate ?? ''),
  );
  return dated.at(-1)?.status ?? null;
}

function entriesOf(payload: Record<string, unknown>): AuthenticatorMetadata[] {
  if (!Array.isArray(payload.entries)) throw new MetadataBlobError('the blob has no entries');
  const entries: AuthenticatorMetadata[] = [];
  for (const entry of payload.entries) {
    if (!isRecord(entry) || typeof entry.aaguid !== 'string') continue;
    const aaguid = entry.aaguid.toLowerCase();
    const statement = entry.metadataStatement;
    if (!AAGUID.test(aaguid) || !isRecord(statement)) continue;
    const roots = Array.isArray(statement.attestationRootCertificates)
      ? statement.attestationRootCertificates.filter(
          (c): c is string => typeof c === 'string' && decodeBase64(c) !== null,
        )
      : [];
    entries.push({
      aaguid,
      description:
        typeof statement.description === 'string' ? statement.description.slice(0, 200) : aaguid,
      attestationRootCertificates: roots,
      status: latestStatus(entry.statusReports),
    });
  }
  return entries;
}

/** Verifies a blob against `roots` at `now`; throws MetadataBlobError saying what failed. */
export async function verifyMetadataBlob(
  blob: string,
  roots: readonly ParsedCertificate[],
  now: Date,
): Promise<VerifiedBlob> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(blob);
  } catch {
    throw new MetadataBlobError('the blob is not a JWS');
  }
  if (!header.alg || !ALGORITHMS.includes(header.alg))
    throw new MetadataBlobError(`the blob's alg ${String(header.alg)} is not accepted`);
  const x5c = (header.x5c ?? []).map((c) => decodeBase64(c));
  if (x5c.length === 0 || x5c.some((c) => c === null))
    throw new MetadataBlobError('the blob has no x5c signing chain');
  let chain: ParsedCertificate[];
  try {
    chain = (x5c as Uint8Array[]).map((der) => parseCertificate(der));
  } catch {
    throw new MetadataBlobError('a certificate of the signing chain does not parse');
  }
  if (validityProblem(chain, now))
    throw new MetadataBlobError('the signing chain is not valid now');
  if (!namesChain(chain) || !(await signaturesChain(chain)))
    throw new MetadataBlobError('the signing chain does not chain');
  if (!(await anchorOf(chain[chain.length - 1] as ParsedCertificate, roots)))
    throw new MetadataBlobError('the signing chain does not reach the metadata root');
  let payload: unknown;
  try {
    const key = await importX509(derToPem((x5c as Uint8Array[])[0] as Uint8Array), header.alg);
    const verified = await compactVerify(blob, key, { algorithms: ALGORITHMS });
    payload = JSON.parse(new TextDecoder().decode(verified.payload));
  } catch {
    throw new MetadataBlobError('the blob signature does not verify');
  }
  if (
    !isRecord(payload) ||
    typeof payload.no !== 'number' ||
    !Number.isSafeInteger(payload.no) ||
    typeof payload.nextUpdate !== 'string'
  )
    throw new MetadataBlobError('the blob payload lacks no or nextUpdate');
  return { serial: payload.no, nextUpdate: payload.nextUpdate, entries: entriesOf(payload) };
}

export type RefreshResult =
  | { readonly stored: true; readonly serial: number; readonly entries: number }
  | { readonly stored: false; readonly reason: string };

/**
 * The Cron job: fetches the blob, verifies it and stores it when it is newer. A fetch that fails
 * or a blob that does not verify throws (the stored entries stay); an older or equal serial
 * number is answered `stored: false`.
 */
export async function refreshMetadata(
  db: Db,
  url: string,
  roots: readonly ParsedCertificate[],
  now: Date,
  fetcher: typeof fetch = fetch,
): Promise<RefreshResult> {
  const response = await fetcher(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new MetadataBlobError(`the metadata service answered ${response.status}`);
  const blob = await verifyMetadataBlob((await response.text()).trim(), roots, now);
  const stored = await storedBlobSerial(db);
  if (blob.serial <= stored)
    return { stored: false, reason: `serial ${blob.serial} is not newer than ${stored}` };
  await replaceMetadata(
    db,
    { serial: blob.serial, nextUpdate: blob.nextUpdate, now: Math.floor(now.getTime() / 1000) },
    blob.entries,
  );
  return { stored: true, serial: blob.serial, entries: blob.entries.length };
}
