/**
 * @module storage/refresh-families
 * D1 repository of refresh-token families (table `refresh_token_families`, schema.sql). Rotation
 * is a compare-and-set on `generation`, so of two concurrent refreshes with the same token only
 * one rotates.
 */
import type { AuthContext } from '../tokens/auth-context';

export interface RefreshFamily {
  readonly familyId: string;
  readonly clientId: string;
  readonly subject: string;
  readonly scope: readonly string[];
  readonly auth: AuthContext;
  readonly cnfJkt: string | null;
  readonly generation: number;
  readonly rotatedAt: number | null;
  readonly accessJti: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
}

interface FamilyRow {
  family_id: string;
  client_id: string;
  subject: string;
  scope: string;
  auth: string;
  cnf_jkt: string | null;
  generation: number;
  rotated_at: number | null;
  access_jti: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface NewFamily {
  readonly familyId: string;
  readonly clientId: string;
  readonly scope: readonly string[];
  readonly auth: AuthContext;
  readonly cnfJkt: string | null;
  readonly accessJti: string;
  readonly now: number;
  readonly expiresAt: number;
}

export async function createFamily(db: D1Database, family: NewFamily): Promise<void> {
  await db
    .prepare(
      `INSERT INTO refresh_token_families
        (family_id, client_id, subject, scope, auth, cnf_jkt, generation, rotated_at, access_jti, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
    )
    .bind(
      family.familyId,
      family.clientId,
      family.auth.subject,
      family.scope.join(' '),
      JSON.stringify(family.auth),
      family.cnfJkt,
      family.now,
      family.accessJti,
      family.now,
      family.expiresAt,
    )
    .run();
}

export async function findFamily(db: D1Database, familyId: string): Promise<RefreshFamily | null> {
  const row = await db
    .prepare('SELECT * FROM refresh_token_families WHERE family_id = ?')
    .bind(familyId)
    .first<FamilyRow>();
  if (!row) return null;
  return {
    familyId: row.family_id,
    clientId: row.client_id,
    subject: row.subject,
    scope: row.scope.split(' ').filter(Boolean),
    auth: JSON.parse(row.auth) as AuthContext,
    cnfJkt: row.cnf_jkt,
    generation: row.generation,
    rotatedAt: row.rotated_at,
    accessJti: row.access_jti,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** Moves the family from `generation` to the next one; false if another request did it first. */
export async function rotateFamily(
  db: D1Database,
  familyId: string,
  generation: number,
  accessJti: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE refresh_token_families SET generation = generation + 1, rotated_at = ?, access_jti = ?
       WHERE family_id = ? AND generation = ? AND revoked_at IS NULL`,
    )
    .bind(now, accessJti, familyId, generation)
    .run();
  return result.meta.changes === 1;
}

export async function revokeFamily(
  db: D1Database,
  familyId: string,
  reason: string,
  now: number,
): Promise<void> {
  await db
    .prepare(
      'UPDATE refresh_token_families SET revoked_at = ?, revoked_reason = ? WHERE family_id = ? AND revoked_at IS NULL',
    )
    .bind(now, reason, familyId)
    .run();
}
