/**
 * @module attestation/status-list
 * Google's attestation certificate status list (developer.android.com, "Certificate revocation
 * status list"): `{"entries": {"<serial hex>": {"status": "REVOKED"|"SUSPENDED", "expires"?,
 * "reason"?, "comment"?}}}`. Parsed strictly: a malformed document changes nothing.
 */
import type { StatusEntry } from '../storage/attestation-revocations';

export class StatusListError extends Error {
  override readonly name = 'StatusListError';
}

export function parseStatusList(document: unknown): StatusEntry[] {
  const entries = (document as { entries?: unknown } | null)?.entries;
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
    throw new StatusListError('the status list has no "entries" object');
  }
  return Object.entries(entries).map(([serial, value]) => {
    const normalised = serial.toLowerCase().replace(/^0+(?=.)/, '');
    if (!/^[0-9a-f]+$/.test(normalised)) throw new StatusListError(`bad serial ${serial}`);
    const entry = value as { status?: unknown; reason?: unknown; expires?: unknown };
    if (entry?.status !== 'REVOKED' && entry?.status !== 'SUSPENDED') {
      throw new StatusListError(`bad status for ${serial}`);
    }
    return {
      serial: normalised,
      status: entry.status,
      reason: typeof entry.reason === 'string' ? entry.reason : null,
      expires: typeof entry.expires === 'string' ? entry.expires : null,
    };
  });
}
