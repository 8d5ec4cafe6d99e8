/**
 * @module storage/webauthn-metadata
 * FIDO metadata of authenticator models in D1 (tables `webauthn_metadata`, `webauthn_metadata_blob`):
 * read by AAGUID at registration (near replica), replaced whole by the Cron trigger.
 */
import type { AuthenticatorMetadata } from '../webauthn/attestation-policy';
import type { Db } from './db';

interface MetadataRow {
  aaguid: string;
  description: string;
  attestation_roots: string;
  status: string | null;
}

export async function findMetadata(db: Db, aaguid: string): Promise<AuthenticatorMetadata | null> {
  const row = await db
    .prepare('SELECT * FROM webauthn_metadata WHERE aaguid = ?')
    .bind(aaguid.toLowerCase())
    .first<MetadataRow>();
  return row
    ? {
        aaguid: row.aaguid,
        description: row.description,
        attestationRootCertificates: JSON.parse(row.attestation_roots) as string[],
        status: row.status,
      }
    : null;
}

/** The serial number of the stored blob; 0 when none was stored. */
export async function storedBlobSerial(db: Db): Promise<number> {
  const row = await db
    .prepare('SELECT serial FROM webauthn_metadata_blob WHERE id = 1')
    .first<{ serial: number }>();
  return row?.serial ?? 0;
}

/** Rows per INSERT: D1 binds at most 100 parameters to one statement (5 per row). */
const ROWS_PER_STATEMENT = 20;

/** Replaces every entry with those of blob `serial`, in one batch (all or nothing). */
export async function replaceMetadata(
  db: Db,
  blob: { readonly serial: number; readonly nextUpdate: string; readonly now: number },
  entries: readonly AuthenticatorMetadata[],
): Promise<void> {
  const inserts: D1PreparedStatement[] = [];
  for (let i = 0; i < entries.length; i += ROWS_PER_STATEMENT) {
    const rows = entries.slice(i, i + ROWS_PER_STATEMENT);
    inserts.push(
      db
        .prepare(
          `INSERT INTO webauthn_metadata (aaguid, description, attestation_roots, status, updated_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        )
        .bind(
          ...rows.flatMap((entry) => [
            entry.aaguid,
            entry.description,
            JSON.stringify(entry.attestationRootCertificates),
            entry.status,
            blob.now,
          ]),
        ),
    );
  }
  await db.batch([
    db.prepare('DELETE FROM webauthn_metadata'),
    ...inserts,
    db
      .prepare(
        `INSERT INTO webauthn_metadata_blob (id, serial, next_update, stored_at) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET serial = excluded.serial, next_update = excluded.next_update, stored_at = excluded.stored_at`,
      )
      .bind(blob.serial, blob.nextUpdate, blob.now),
  ]);
}
