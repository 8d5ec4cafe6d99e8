/**
 * @module storage/revocations
 * Revoked access tokens (table `revoked_access_tokens`): a jti is kept until the token would have
 * expired anyway; expired rows are pruned as new ones are written, and by the Cron trigger. Used
 * initial access tokens are kept here too (their registration's transaction puts them).
 */
import type { Db } from './db';

const PRUNE = 'DELETE FROM revoked_access_tokens WHERE expires_at < ?';

export async function revokeAccessToken(
  db: Db,
  jti: string,
  expiresAt: number,
  now: number,
): Promise<void> {
  await db.batch([
    db
      .prepare(
        'INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING',
      )
      .bind(jti, expiresAt),
    db.prepare(PRUNE).bind(now),
  ]);
}

export async function isAccessTokenRevoked(db: Db, jti: string): Promise<boolean> {
  const row = await db
    .prepare('SELECT 1 AS revoked FROM revoked_access_tokens WHERE jti = ?')
    .bind(jti)
    .first();
  return row !== null;
}

/** Deletes the rows of tokens that have expired (the Cron trigger); returns how many. */
export async function pruneRevocations(db: Db, now: number): Promise<number> {
  const result = await db.prepare(PRUNE).bind(now).run();
  return result.meta.changes;
}
