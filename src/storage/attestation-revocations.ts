/**
 * @module storage/attestation-revocations
 * Google's attestation status list in D1 (table `attestation_revocations`), with a short
 * per-isolate cache of the revoked serials (the list changes rarely; the Cron trigger refreshes it).
 */
import type { Db } from './db';

const CACHE_MS = 60_000;
let cache: { serials: Set<string>; until: number } | undefined;

export async function revokedSerials(db: Db): Promise<ReadonlySet<string>> {
  const now = Date.now();
  if (cache && cache.until > now) return cache.serials;
  const { results } = await db
    .prepare('SELECT serial FROM attestation_revocations')
    .all<{ serial: string }>();
  cache = { serials: new Set(results.map((row) => row.serial)), until: now + CACHE_MS };
  return cache.serials;
}

export function forgetRevokedSerials(): void {
  cache = undefined;
}

export interface StatusEntry {
  readonly serial: string;
  readonly status: 'REVOKED' | 'SUSPENDED';
  readonly reason: string | null;
  readonly expires: string | null;
}

/** Replaces the stored list with `entries` in one batch (all or nothing). */
export async function replaceRevocations(db: Db, entries: readonly StatusEntry[]): Promise<void> {
  const statements = [db.prepare('DELETE FROM attestation_revocations')];
  for (const entry of entries) {
    statements.push(
      db
        .prepare(
          'INSERT INTO attestation_revocations (serial, status, reason, expires) VALUES (?, ?, ?, ?)',
        )
        .bind(entry.serial, entry.status, entry.reason, entry.expires),
    );
  }
  await db.batch(statements);
  forgetRevokedSerials();
}
