/**
 * @module durable-objects/replay-guard
 * ReplayGuard: the strongly consistent state of one entity that is not a flow: "first use" or
 * "replay" for single-use values (attestation challenges, DPoP `jti`, CATs, client-assertion
 * `jti`, initial access tokens), counters that only move forward (App Attest), login attempts,
 * rate-limit budgets, and small records (an App Attest key, a refresh-token family). Each object
 * is named for its entity and created by that entity's first request, so it sits near its user
 * (src/replay/use-once.ts, docs/state.md); being single-threaded, a check-and-set is atomic.
 *
 * Storage layout (SQLite-backed object):
 *   table `used`: key TEXT PRIMARY KEY  -- SHA-256 (hex) of namespace + value, never the value
 *                 expires_at INTEGER    -- Unix ms after which the key may be forgotten
 *   index `used_expires_at` on expires_at
 *   table `counters`: key TEXT PRIMARY KEY  -- SHA-256 (hex) of namespace + name (App Attest key id,
 *                                              a rate-limit budget, a username's login attempts)
 *                     value INTEGER         -- the highest counter accepted so far (App Attest),
 *                                              requests granted (budgets), attempts (logins)
 *                     expires_at INTEGER    -- Unix ms; refreshed on every advance
 *   table `records`: key TEXT PRIMARY KEY  -- SHA-256 (hex) of namespace + name
 *                    value TEXT            -- an entity's record as JSON (App Attest key, refresh family)
 *                    version INTEGER       -- incremented by every replaceRecord (compare and set)
 *                    expires_at INTEGER    -- Unix ms
 * Reads never rely on deletion (they compare expires_at), so expired rows are swept in batches: an
 * alarm 1 to 11 minutes after the earliest expiry deletes expired rows (rows, never deleteAll():
 * that would drop the table under the live instance) and re-arms itself at most once a minute.
 * `use` and `advance` are one SQL statement each; the alarm time is kept in memory, so storage's
 * alarm is read once per instance and written only when the sweep must come earlier.
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

/** A sweep comes at least this long after the expiry it was set for (sweeps are batched). */
export const SWEEP_DELAY_MS = 60_000;
/** An armed sweep is moved earlier only if it would come more than this long after an expiry. */
export const SWEEP_SLACK_MS = 10 * 60_000;

type Table = 'used' | 'counters' | 'records';

const TABLES: Record<Table, readonly string[]> = {
  used: [
    'CREATE TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)',
    'CREATE INDEX IF NOT EXISTS used_expires_at ON used (expires_at)',
  ],
  counters: [
    'CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at INTEGER NOT NULL)',
  ],
  records: [
    'CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER NOT NULL)',
  ],
};

export class ReplayGuard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** The alarm as last read or set by this instance; undefined until first read. */
  private alarmAt: number | null | undefined;

  /** The tables this instance has made sure of (each object creates only those it uses). */
  private readonly tables = new Set<Table>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
  }

  /**
   * Creates `table` if this object has none yet. An object holds one entity's state, and most use
   * one table (a challenge's object only `used`): creating the others would be most of the cost of
   * a new object.
   */
  private table(table: Table): void {
    if (this.tables.has(table)) return;
    for (const statement of TABLES[table]) this.sql.exec(statement);
    this.tables.add(table);
  }

  /**
   * Stores the record `key` (JSON) unless a live one exists; answers whether it stored it. The
   * entity's own data (an App Attest key, a refresh-token family) lives here, near its user.
   */
  async putRecord(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    this.table('records');
    if (!isValidUse(key, ttlSeconds, MAX_COUNTER_TTL_SECONDS) || typeof value !== 'string')
      return false;
    const now = Date.now();
    const expiresAt = now + Math.ceil(ttlSeconds * 1000);
    return this.writeExpiring(
      expiresAt,
      'INSERT INTO records (key, value, version, expires_at) VALUES (?, ?, 1, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = 1, expires_at = excluded.expires_at WHERE records.expires_at <= ? RETURNING 1 AS written',
      key,
      value,
      expiresAt,
      now,
    );
  }

  /** The live record `key` and its version, or null. */
  async getRecord(key: string): Promise<{ value: string; version: number } | null> {
    this.table('records');
    const row = this.sql
      .exec<{ value: string; version: number }>(
        'SELECT value, version FROM records WHERE key = ? AND expires_at > ?',
        key,
        Date.now(),
      )
      .toArray()[0];
    return row ? { value: row.value, version: row.version } : null;
  }

  /**
   * Replaces the live record `key` if it is still at `expectedVersion` (compare and set: of two
   * racing replacements one wins); answers the new version, or null when it was not replaced.
   */
  async replaceRecord(key: string, value: string, expectedVersion: number): Promise<number | null> {
    this.table('records');
    const moved = this.sql
      .exec<{ version: number }>(
        'UPDATE records SET value = ?, version = version + 1 WHERE key = ? AND version = ? AND expires_at > ? RETURNING version',
        value,
        key,
        expectedVersion,
        Date.now(),
      )
      .toArray()[0];
    return moved ? moved.version : null;
  }

  /**
   * Records `key` as used for `ttlSeconds`. Answers `first-use` the first time (or once an
   * earlier use has expired) and `replay` while an earlier use is still remembered. A key or
   * ttl out of range fails closed (`replay`); callers validate first (src/replay/use-once.ts).
   */
  async use(key: string, ttlSeconds: number): Promise<UseResult> {
    this.table('used');
    if (!isValidUse(key, ttlSeconds)) return 'replay';
    const now = Date.now();
    const expiresAt = now + Math.ceil(ttlSeconds * 1000);
    // Inserts, or takes over an expired row; a live row is left alone and nothing is returned.
    const written = await this.writeExpiring(
      expiresAt,
      'INSERT INTO used (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE used.expires_at <= ? RETURNING 1 AS written',
      key,
      expiresAt,
      now,
    );
    return written ? 'first-use' : 'replay';
  }

  /**
   * Moves the counter `key` to `value` if `value` is greater than the stored one (or none is
   * stored); answers whether it moved. Counters never go backwards (App Attest assertions).
   */
  async advance(key: string, value: number, ttlSeconds: number): Promise<boolean> {
    this.table('counters');
    if (
      !isValidUse(key, ttlSeconds, MAX_COUNTER_TTL_SECONDS) ||
      !Number.isSafeInteger(value) ||
      value < 0
    ) {
      return false;
    }
    const now = Date.now();
    const expiresAt = now + Math.ceil(ttlSeconds * 1000);
    // Inserts, or moves a counter that is below `value` (or expired); otherwise returns nothing.
    return this.writeExpiring(
      expiresAt,
      'INSERT INTO counters (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at WHERE counters.value < excluded.value OR counters.expires_at <= ? RETURNING 1 AS moved',
      key,
      value,
      expiresAt,
      now,
    );
  }

  /**
   * Grants up to `want` requests from the budget `key` (`limit` per fixed window of
   * `windowSeconds`, starting at the first request) and answers how many it granted (0 once the
   * budget is spent) and when the window ends. Rate limits lease their budget in small blocks
   * through it (src/replay/budget.ts); the total granted in a window never exceeds `limit`.
   */
  async lease(
    key: string,
    windowSeconds: number,
    want: number,
    limit: number,
  ): Promise<{ granted: number; windowEnd: number }> {
    this.table('counters');
    const now = Date.now();
    if (
      !isValidUse(key, windowSeconds) ||
      !Number.isSafeInteger(want) ||
      !Number.isSafeInteger(limit) ||
      want < 1
    ) {
      return { granted: 0, windowEnd: now + 1000 };
    }
    const row = this.sql
      .exec<{ value: number; expires_at: number }>(
        'SELECT value, expires_at FROM counters WHERE key = ?',
        key,
      )
      .toArray()[0];
    const live = row !== undefined && row.expires_at > now;
    const used = live ? row.value : 0;
    const windowEnd = live ? row.expires_at : now + Math.ceil(windowSeconds * 1000);
    const granted = Math.max(0, Math.min(want, limit - used));
    if (granted > 0 || !live) {
      // No await between the read and this write: no other call of this object runs in between.
      this.sql.exec(
        'INSERT INTO counters (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
        key,
        used + granted,
        windowEnd,
      );
    }
    if (!live) await this.armAlarm(windowEnd);
    return { granted, windowEnd };
  }

  /**
   * Reserves one attempt of the attempt counter `key` (failed logins of one username): refused
   * while `max` attempts are recorded and the last is less than `lockSeconds` old, else counted
   * before the caller verifies anything. So of any burst at most `max` are ever verified, and the
   * `max`th starts the lock. A verified attempt clears the counter (clearAttempts); a failed one
   * stays counted. Counters are forgotten `lockSeconds` after their last attempt.
   */
  async reserveAttempt(
    key: string,
    max: number,
    lockSeconds: number,
  ): Promise<{ allowed: boolean; attempts: number; retryAt: number }> {
    this.table('counters');
    const now = Date.now();
    if (!isValidUse(key, lockSeconds) || !Number.isSafeInteger(max) || max < 1) {
      return { allowed: false, attempts: 0, retryAt: now + 1000 };
    }
    const row = this.sql
      .exec<{ value: number; expires_at: number }>(
        'SELECT value, expires_at FROM counters WHERE key = ?',
        key,
      )
      .toArray()[0];
    const live = row !== undefined && row.expires_at > now;
    const attempts = live ? row.value : 0;
    if (live && attempts >= max) return { allowed: false, attempts, retryAt: row.expires_at };
    const expiresAt = now + Math.ceil(lockSeconds * 1000);
    // No await between the read and this write: no other call of this object runs in between.
    this.sql.exec(
      'INSERT INTO counters (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
      key,
      attempts + 1,
      expiresAt,
    );
    await this.armAlarm(expiresAt);
    return { allowed: true, attempts: attempts + 1, retryAt: expiresAt };
  }

  /** Forgets the attempt counter `key` (a verified login). */
  async clearAttempts(key: string): Promise<void> {
    this.table('counters');
    this.sql.exec('DELETE FROM counters WHERE key = ?', key);
  }

  /**
   * Runs a conditional write that returns a row when it wrote; when it did, makes sure a sweep
   * comes for `expiresAt`. Answers whether it wrote.
   */
  private async writeExpiring(
    expiresAt: number,
    statement: string,
    ...bindings: SqlStorageValue[]
  ): Promise<boolean> {
    if (this.sql.exec(statement, ...bindings).toArray().length === 0) return false;
    await this.armAlarm(expiresAt);
    return true;
  }

  /**
   * Makes sure a sweep comes within SWEEP_SLACK_MS of `expiresAt`: keys with mixed lifetimes do
   * not move the alarm back and forth, and an expired row outlives its expiry by 1 to 11 minutes.
   */
  private async armAlarm(expiresAt: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= expiresAt + SWEEP_SLACK_MS) return;
    this.alarmAt = expiresAt + SWEEP_DELAY_MS;
    await this.ctx.storage.setAlarm(this.alarmAt);
  }

  /** How many keys are remembered (tests and operations). */
  async size(): Promise<number> {
    this.table('used');
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM used').one().n;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const table of Object.keys(TABLES) as Table[]) this.table(table);
    this.sql.exec('DELETE FROM used WHERE expires_at <= ?', now);
    this.sql.exec('DELETE FROM counters WHERE expires_at <= ?', now);
    this.sql.exec('DELETE FROM records WHERE expires_at <= ?', now);
    const next = this.sql
      .exec<{ next: number | null }>(
        'SELECT MIN(e) AS next FROM (SELECT MIN(expires_at) AS e FROM used UNION ALL SELECT MIN(expires_at) FROM counters UNION ALL SELECT MIN(expires_at) FROM records)',
      )
      .one().next;
    // The next sweep: a minute after the next expiry, and not sooner than a minute from now.
    this.alarmAt = next === null ? null : Math.max(next, now) + SWEEP_DELAY_MS;
    if (this.alarmAt !== null) await this.ctx.storage.setAlarm(this.alarmAt);
  }
}
