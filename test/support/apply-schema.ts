/**
 * Applies an SQL script (schema.sql, seed/demo.sql) to a D1 database as one batch: whole-line
 * comments are dropped and statements split at a `;` that ends a line.
 */
export function splitSqlStatements(sql: string): string[] {
  const lines = sql.split('\n').filter((line) => !line.trim().startsWith('--'));
  return lines
    .join('\n')
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/\s--[^'\n]*$/gm, '').trim())
    .filter(Boolean);
}

export async function applySql(db: D1Database, sql: string): Promise<void> {
  const statements = splitSqlStatements(sql).map((statement) => db.prepare(statement));
  if (statements.length > 0) await db.batch(statements);
}
