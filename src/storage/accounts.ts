/**
 * @module storage/accounts
 * D1 repository of accounts (table `accounts`, schema.sql).
 */

export interface Account {
  readonly subject: string;
  readonly username: string;
  readonly passwordHash: string | null;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly disabled: boolean;
}

interface AccountRow {
  subject: string;
  username: string;
  password_hash: string | null;
  attributes: string;
  disabled: number;
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
  };
}

export async function findAccountBySubject(
  db: D1Database,
  subject: string,
): Promise<Account | null> {
  const row = await db
    .prepare('SELECT * FROM accounts WHERE subject = ?')
    .bind(subject)
    .first<AccountRow>();
  return row ? fromRow(row) : null;
}

export async function findAccountByUsername(
  db: D1Database,
  username: string,
): Promise<Account | null> {
  const row = await db
    .prepare('SELECT * FROM accounts WHERE username = ?')
    .bind(username)
    .first<AccountRow>();
  return row ? fromRow(row) : null;
}
