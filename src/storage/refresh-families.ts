/**
 * @module storage/refresh-families
 * Refresh-token families. A family lives in its own ReplayGuard object (`family:<hash>`), created
 * by the code exchange that starts it, so near the app that refreshes it; rotation is a
 * compare-and-set on the record's version there, so of two concurrent refreshes with the same
 * token only one rotates, and a revocation is durable before it is answered. The D1 table
 * `refresh_token_families` (schema.sql) is the operator's index (families of a client or an
 * account), written after the response: it lags the object by the time ctx.waitUntil takes to
 * reach D1's primary (normally well under a second). Families created before the objects existed
 * are still read and rotated in D1.
 */
import type { ReplayGuard } from '../../durable-objects/replay-guard';
import { guardOf } from '../replay/use-once';
import type { AuthContext } from '../tokens/auth-context';
import type { Db } from './db';

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
  readonly revokedReason?: string | null;
  /** The record's version in the family's object; absent for a family kept only in D1. */
  readonly version?: number;
}

/** Where families are kept: their objects, D1 (the index, and older families) and the deferral. */
export interface FamilyStore {
  readonly guard: DurableObjectNamespace<ReplayGuard>;
  /** D1's primary: index writes, and older families, must see every earlier write. */
  readonly db: Db;
  readonly defer: (work: Promise<unknown>) => void;
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
  revoked_reason: string | null;
}

/** A family's record outlives its expiry a little, so a late refresh is told it expired. */
const KEEP_AFTER_EXPIRY_SECONDS = 3600;

function objectOf(store: FamilyStore, familyId: string) {
  return guardOf(store.guard, 'refresh-family', familyId, (key) => `family:${key}`);
}

/** The operator's index row, written after the response; never moves a row backwards. */
async function indexFamily(db: Db, family: RefreshFamily): Promise<void> {
  await db
    .prepare(
      `INSERT INTO refresh_token_families
        (family_id, client_id, subject, scope, auth, cnf_jkt, generation, rotated_at, access_jti, created_at, expires_at, revoked_at, revoked_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (family_id) DO UPDATE SET generation = excluded.generation,
         rotated_at = excluded.rotated_at, access_jti = excluded.access_jti,
         revoked_at = COALESCE(refresh_token_families.revoked_at, excluded.revoked_at),
         revoked_reason = COALESCE(refresh_token_families.revoked_reason, excluded.revoked_reason)
       WHERE excluded.generation > refresh_token_families.generation
         OR (excluded.revoked_at IS NOT NULL AND refresh_token_families.revoked_at IS NULL)`,
    )
    .bind(
      family.familyId,
      family.clientId,
      family.subject,
      family.scope.join(' '),
      JSON.stringify(family.auth),
      family.cnfJkt,
      family.generation,
      family.rotatedAt,
      family.accessJti,
      family.createdAt,
      family.expiresAt,
      family.revokedAt,
      family.revokedReason ?? null,
    )
    .run();
}

function withoutVersion(family: RefreshFamily): Omit<RefreshFamily, 'version'> {
  const { version: _, ...rest } = family;
  return rest;
}

export async function createFamily(store: FamilyStore, family: NewFamily): Promise<void> {
  const record: RefreshFamily = {
    familyId: family.familyId,
    clientId: family.clientId,
    subject: family.auth.subject,
    scope: family.scope,
    auth: family.auth,
    cnfJkt: family.cnfJkt,
    generation: 1,
    rotatedAt: family.now,
    accessJti: family.accessJti,
    createdAt: family.now,
    expiresAt: family.expiresAt,
    revokedAt: null,
  };
  const { key, stub } = await objectOf(store, family.familyId);
  const ttl = Math.max(family.expiresAt - family.now, 1) + KEEP_AFTER_EXPIRY_SECONDS;
  if (!(await stub.putRecord(key, JSON.stringify(record), ttl)))
    throw new Error('refresh family id collision');
  store.defer(indexFamily(store.db, record));
}

function fromRow(row: FamilyRow): RefreshFamily {
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
    revokedReason: row.revoked_reason,
  };
}

export async function findFamily(
  store: FamilyStore,
  familyId: string,
): Promise<RefreshFamily | null> {
  const { key, stub } = await objectOf(store, familyId);
  const record = await stub.getRecord(key);
  if (record) return { ...(JSON.parse(record.value) as RefreshFamily), version: record.version };
  const row = await store.db
    .prepare('SELECT * FROM refresh_token_families WHERE family_id = ?')
    .bind(familyId)
    .first<FamilyRow>();
  return row ? fromRow(row) : null;
}

/** Replaces the family's record if it is still at `family.version`; false when it moved on. */
async function replaceFamily(
  store: FamilyStore,
  family: RefreshFamily,
  next: RefreshFamily,
): Promise<boolean> {
  const { key, stub } = await objectOf(store, family.familyId);
  const version = await stub.replaceRecord(
    key,
    JSON.stringify(withoutVersion(next)),
    family.version as number,
  );
  if (version === null) return false;
  store.defer(indexFamily(store.db, next));
  return true;
}

/** Moves the family to its next generation; false if another request did it first. */
export async function rotateFamily(
  store: FamilyStore,
  family: RefreshFamily,
  accessJti: string,
  now: number,
): Promise<boolean> {
  if (family.revokedAt !== null) return false;
  if (family.version !== undefined) {
    const next = { ...family, generation: family.generation + 1, rotatedAt: now, accessJti };
    return replaceFamily(store, family, next);
  }
  const result = await store.db
    .prepare(
      `UPDATE refresh_token_families SET generation = generation + 1, rotated_at = ?, access_jti = ?
       WHERE family_id = ? AND generation = ? AND revoked_at IS NULL`,
    )
    .bind(now, accessJti, family.familyId, family.generation)
    .run();
  return result.meta.changes === 1;
}

export async function revokeFamily(
  store: FamilyStore,
  familyId: string,
  reason: string,
  now: number,
): Promise<void> {
  // A compare-and-set that a concurrent rotation may beat: read again and retry.
  for (let attempt = 0; attempt < 5; attempt++) {
    const family = await findFamily(store, familyId);
    if (!family || family.revokedAt !== null) return;
    if (family.version === undefined) {
      await store.db
        .prepare(
          'UPDATE refresh_token_families SET revoked_at = ?, revoked_reason = ? WHERE family_id = ? AND revoked_at IS NULL',
        )
        .bind(now, reason, familyId)
        .run();
      return;
    }
    if (await replaceFamily(store, family, { ...family, revokedAt: now, revokedReason: reason }))
      return;
  }
  throw new Error('refresh family revocation kept losing to rotations');
}
