/**
 * @module durable-objects/replay-guard
 * ReplayGuard: answers "first use" or "replay" for single-use values that are not a flow's own
 * (attestation challenges, DPoP `jti`, client-assertion `jti`, initial access tokens, App Attest
 * counters' nonces). Values are sharded over objects by a hash of their key
 * (src/replay/use-once.ts); each object is single-threaded, so a check-and-set is atomic.
 *
 * Storage layout (SQLite-backed object):
 *   table `used`: key TEXT PRIMARY KEY  -- SHA-256 (hex) of namespace + value, never the value
 *                 expires_at INTEGER    -- Unix ms after which the key may be forgotten
 *   index `used_expires_at` on expires_at
 *   table `counters`: key TEXT PRIMARY KEY  -- SHA-256 (hex) of namespace + name (App Attest key id)
 *                     value INTEGER         -- the highest counter accepted so far
 *                     expires_at INTEGER    -- Unix ms; refreshed on every advance
 * An alarm set to the earliest expiry deletes expired rows (rows, never deleteAll(): that would
 * drop the table under the live instance) and re-arms itself for the next one.
 */
import { DurableObject } from 'cloudflare:workers';

export type UseResult = 'first-use' | 'replay';

export const MAX_TTL_SECONDS = 30 * 86400;
/** Counters (App Attest) live as long as their keys are used: up to five years without use. */
export const MAX_COUNTER_TTL_SECONDS = 5 * 365 * 86400;

export function isValidUse(key: string, ttlSeconds: number, maxTtl = MAX_TTL_SECONDS): boolean {
  return (
    typeof key === 'string' &&
    key.length > 0 &&
    key.length <= 256 &&
    Number.isFinite(ttlSeconds) &&
    ttlSeconds > 0 &&
    ttlSeconds <= maxTtl
  );
}

export class ReplayGuard extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS used (
      key TEXT PRIMARY KEY,
      expires_at INTEGER NOT NULL
    )`);
    this.sql.exec('CREATE INDEX IF NOT EXISTS used_expires_at ON used (expires_at)');
    this.sql.exec(`CREATE TABLE IF NOT EXISTS counters (
      key TEXT PRIMARY KEY,
      value INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`);
  }

  /**
   * Records `key` as used for `ttlSeconds`. Answers `first-use` the first time (or once an
   * earlier use has expired) and `replay` while an earlier use is still remembered. A key or
   * ttl out of range fails closed (`replay`); callers validate first (src/replay/use-once.ts).
   */
  async use(key: string, ttlSeconds: number): Promise<UseResult> {
    if (!isValidUse(key, ttlSeconds)) return 'replay';
    const now = Date.now();
    const existing = this.sql
      .exec<{ expires_at: number }>('SELECT expires_at FROM used WHERE key = ?', key)
      .toArray()[0];
    if (existing && existing.expires_at > now) return 'replay';
    const expiresAt = now + Math.ceil(ttlSeconds * 1000);
    this.sql.exec(
      'INSERT INTO used (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at',
      key,
      expiresAt,
    );
    await this.armAlarm(expiresAt);
    return 'first-use';
  }

  /**
   * Moves the counter `key` to `value` if `value` is greater than the stored one (or none is
   * stored); answers whether it moved. Counters never go backwards (App Attest assertions).
   */
  async advance(key: string, value: number, ttlSeconds: number): Promise<boolean> {
    if (
      !isValidUse(key, ttlSeconds, MAX_COUNTER_TTL_SECONDS) ||
      !Number.isSafeInteger(value) ||
      value < 0
    ) {
      return false;
    }
    const now = Date.now();
    const row = this.sql
      .exec<{ value: number; expires_at: number }>(
        'SELECT value, expires_at FROM counters WHERE key = ?',
        key,
      )
      .toArray()[0];
    if (row && row.expires_at > now && row.value >= value) return false;
    const expiresAt = now + Math.ceil(ttlSeconds * 1000);
    this.setCounter(key, value, expiresAt);
    await this.armAlarm(expiresAt);
    return true;
  }

  /**
   * Counts one more hit on `key` within a window of `windowSeconds` (the window starts at the
   * first hit); answers the count so far. Rate limits (login attempts per IP) use it.
   */
  async hit(key: string, windowSeconds: number): Promise<number> {
    if (!isValidUse(key, windowSeconds)) return Number.MAX_SAFE_INTEGER;
    const now = Date.now();
    const row = this.sql
      .exec<{ value: number; expires_at: number }>(
        'SELECT value, expires_at FROM counters WHERE key = ?',
        key,
      )
      .toArray()[0];
    if (row && row.expires_at > now) {
      this.sql.exec('UPDATE counters SET value = value + 1 WHERE key = ?', key);
      return row.value + 1;
    }
    const expiresAt = now + Math.ceil(windowSeconds * 1000);
    this.setCounter(key, 1, expiresAt);
    await this.armAlarm(expiresAt);
    return 1;
  }

  /** Stores a counter value with its expiry. */
  private setCounter(key: string, value: number, expiresAt: number): void {
    this.sql.exec(
      'INSERT INTO counters (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
      key,
      value,
      expiresAt,
    );
  }

  /** Makes sure the alarm fires no later than `expiresAt`. */
  private async armAlarm(expiresAt: number): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > expiresAt) await this.ctx.storage.setAlarm(expiresAt);
  }

  /** How many keys are remembered (tests and operations). */
  async size(): Promise<number> {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM used').one().n;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.sql.exec('DELETE FROM used WHERE expires_at <= ?', now);
    this.sql.exec('DELETE FROM counters WHERE expires_at <= ?', now);
    const next = this.sql
      .exec<{ next: number | null }>(
        'SELECT MIN(e) AS next FROM (SELECT MIN(expires_at) AS e FROM used UNION ALL SELECT MIN(expires_at) FROM counters)',
      )
      .one().next;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }
}
