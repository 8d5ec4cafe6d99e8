/**
 * @module storage/accounts
 * D1 repository of accounts (table `accounts`, schema.sql).
 */
import type { Db } from './db';

export interface Account {
  readonly subject: string;
  readonly username: string;
  readonly passwordHash: string | null;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly disabled: boolean;
  readonly lockedUntil: number | null;
  /** Wrong passwords since the last successful login. */
  readonly failedLogins: number;
  /** Unix seconds: single sign-on sessions that began at or before it are ended. */
  readonly sessionsValidAfter: number | null;
}

interface AccountRow {
  subject: string;
  username: string;
  password_hash: string | null;
  attributes: string;
  disabled: number;
  locked_until: number | null;
  failed_logins: number;
  sessions_valid_after?: number | null;
}

function fromRow(row: AccountRow): Account {
  const attributes: unknown = JSON.parse(row.attributes);
  return {
    subject: row.subject,
    username: row.username,
    passwordHash: row.password_hash,
    attributes:
      attributes && typeof attributes === 'object' ? (attributes as Record<string, unknown>) : {},
    disabled: row.disabled === 1,
    lockedUntil: row.locked_until,
    failedLogins: row.failed_logins ?? 0,
    sessionsValidAfter: row.sessions_valid_after ?? null,
  };
}

export async function findAccountBySubject(db: Db, subject: string): Promise<Account | null> {
  const row = await db
    .prepare('SELECT * FROM accounts WHERE subject = ?')
    .bind(subject)
    .first<AccountRow>();
  return row ? fromRow(row) : null;
}

export async function findAccountByUsername(db: Db, username: string): Promise<Account | null> {
  const row = await db
    .prepare('SELECT * FROM accounts WHERE username = ?')
    .bind(username)
    .first<AccountRow>();
  return row ? fromRow(row) : null;
}

/** Records a lockout (the operator's view: ReplayGuard holds the counter itself). */
export async function recordLockout(
  db: Db,
  subject: string,
  failures: number,
  lockedUntil: number,
  now: number,
): Promise<void> {
  await db
    .prepare(
      'UPDATE accounts SET failed_logins = ?, locked_until = ?, updated_at = ? WHERE subject = ?',
    )
    .bind(failures, lockedUntil, now, subject)
    .run();
}

export async function recordSuccessfulLogin(db: Db, subject: string, now: number): Promise<void> {
  await db
    .prepare(
      'UPDATE accounts SET failed_logins = 0, locked_until = NULL, updated_at = ? WHERE subject = ?',
    )
    .bind(now, subject)
    .run();
}

export async function lockedUntil(db: Db, subject: string): Promise<number | null> {
  const row = await db
    .prepare('SELECT locked_until FROM accounts WHERE subject = ?')
    .bind(subject)
    .first<{ locked_until: number | null }>();
  return row?.locked_until ?? null;
}

/** Creates an account; false when the username (or subject) is taken. */
export async function createAccount(
  db: Db,
  account: {
    subject: string;
    username: string;
    passwordHash: string;
    attributes: Record<string, unknown>;
  },
): Promise<boolean> {
  const result = await db
    .prepare(
      'INSERT INTO accounts (subject, username, password_hash, attributes) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    )
    .bind(
      account.subject,
      account.username,
      account.passwordHash,
      JSON.stringify(account.attributes),
    )
    .run();
  return result.meta.changes === 1;
}

export async function setPasswordHash(
  db: Db,
  subject: string,
  passwordHash: string,
  now: number,
): Promise<void> {
  await db
    .prepare('UPDATE accounts SET password_hash = ?, updated_at = ? WHERE subject = ?')
    .bind(passwordHash, now, subject)
    .run();
}

/** Sets one attribute of the account (JSON path `$."<name>"`), leaving the others as they are. */
export async function setAccountAttribute(
  db: Db,
  subject: string,
  name: string,
  value: string | number | boolean,
  now: number,
): Promise<void> {
  await db
    .prepare(
      'UPDATE accounts SET attributes = json_set(attributes, ?, json(?)), updated_at = ? WHERE subject = ?',
    )
    .bind(`$."${name.replace(/"/g, '')}"`, JSON.stringify(value), now, subject)
    .run();
}
