/**
 * @module storage/admin-statements
 * The SQL of the admin operations, written once: the admin HTTP API binds the parameters with D1,
 * the admin CLI inlines them as SQLite literals for `wrangler d1 execute`. Each operation is one
 * statement, so none can be half-written.
 */

import type { ColumnValue } from '../admin/client-input';
import type { Db } from './db';

export interface Statement {
  readonly sql: string;
  readonly params: readonly ColumnValue[];
}

const CLIENT_LIST_COLUMNS =
  'client_id, client_name, client_type, is_template, token_endpoint_auth_method, attestation_policy, disabled';

export const statements = {
  listClients: (): Statement => ({
    sql: `SELECT ${CLIENT_LIST_COLUMNS}, COALESCE((SELECT n.clients FROM template_client_counts AS n WHERE n.template_id = clients.client_id), 0) AS dynamic_clients FROM clients WHERE template_id IS NULL ORDER BY client_id`,
    params: [],
  }),
  getClient: (id: string): Statement => ({
    sql: 'SELECT * FROM clients WHERE client_id = ?',
    params: [id],
  }),
  insertClient: (id: string, columns: Readonly<Record<string, ColumnValue>>): Statement => {
    const names = Object.keys(columns);
    return {
      sql: `INSERT INTO clients (client_id${names.map((n) => `, ${n}`).join('')}) VALUES (?${names.map(() => ', ?').join('')})`,
      params: [id, ...Object.values(columns)],
    };
  },
  updateClient: (id: string, columns: Readonly<Record<string, ColumnValue>>): Statement => ({
    sql: `UPDATE clients SET ${Object.keys(columns)
      .map((n) => `${n} = ?`)
      .join(
        ', ',
      )}${Object.keys(columns).length ? ', ' : ''}updated_at = unixepoch() WHERE client_id = ? AND template_id IS NULL`,
    params: [...Object.values(columns), id],
  }),
  deleteClient: (id: string): Statement => ({
    sql: 'DELETE FROM clients WHERE client_id = ? AND template_id IS NULL',
    params: [id],
  }),
  // RETURNING names each client deleted: the count of changes would also count the trigger's
  // update of template_client_counts.
  revokeTemplateClients: (templateId: string): Statement => ({
    sql: 'DELETE FROM clients WHERE template_id = ? RETURNING client_id',
    params: [templateId],
  }),
  listAccounts: (): Statement => ({
    sql: 'SELECT subject, username, attributes, failed_logins, locked_until, disabled, created_at FROM accounts ORDER BY username',
    params: [],
  }),
  insertAccount: (
    subject: string,
    username: string,
    passwordHash: string,
    attributes: string,
  ): Statement => ({
    sql: 'INSERT INTO accounts (subject, username, password_hash, attributes) VALUES (?, ?, ?, ?)',
    params: [subject, username, passwordHash, attributes],
  }),
  setPassword: (username: string, passwordHash: string): Statement => ({
    // A new password also ends the account's single sign-on sessions.
    sql: 'UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = NULL, sessions_valid_after = unixepoch(), updated_at = unixepoch() WHERE username = ?',
    params: [passwordHash, username],
  }),
  endSessions: (username: string): Statement => ({
    sql: 'UPDATE accounts SET sessions_valid_after = unixepoch(), updated_at = unixepoch() WHERE username = ?',
    params: [username],
  }),
  deleteAccount: (username: string): Statement => ({
    sql: 'DELETE FROM accounts WHERE username = ?',
    params: [username],
  }),
  listDevices: (username: string): Statement => ({
    sql: 'SELECT d.credential_id, d.device_type, d.name, d.aaguid, m.description AS model, d.created_at, d.last_used_at FROM webauthn_devices AS d JOIN accounts AS a ON a.subject = d.subject LEFT JOIN webauthn_metadata AS m ON m.aaguid = d.aaguid WHERE a.username = ? ORDER BY d.created_at',
    params: [username],
  }),
  deleteDevice: (credentialId: string): Statement => ({
    sql: 'DELETE FROM webauthn_devices WHERE credential_id = ?',
    params: [credentialId],
  }),
};

/** A statement as SQL text with its parameters as SQLite literals (for `wrangler d1 execute`). */
export function inline(statement: Statement): string {
  let i = 0;
  return statement.sql.replace(/\?/g, () => {
    const value = statement.params[i++];
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new RangeError('not a finite number');
      return String(value);
    }
    return `'${value.replace(/'/g, "''")}'`;
  });
}

export function run(db: Db, statement: Statement): D1PreparedStatement {
  return db.prepare(statement.sql).bind(...statement.params);
}
