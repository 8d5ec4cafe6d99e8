/**
 * @module storage/app-attest-keys
 * D1 repository of attested App Attest keys (table `app_attest_keys`, schema.sql).
 */

export interface AppAttestKey {
  readonly keyId: string;
  readonly clientId: string;
  readonly appId: string;
  readonly publicKey: string;
  readonly environment: 'production' | 'development';
}

export async function saveAppAttestKey(db: D1Database, key: AppAttestKey): Promise<void> {
  await db
    .prepare(
      `INSERT INTO app_attest_keys (key_id, client_id, app_id, public_key, environment) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key_id) DO NOTHING`,
    )
    .bind(key.keyId, key.clientId, key.appId, key.publicKey, key.environment)
    .run();
}

export async function findAppAttestKey(
  db: D1Database,
  keyId: string,
  clientId: string,
): Promise<AppAttestKey | null> {
  const row = await db
    .prepare(
      'SELECT key_id, client_id, app_id, public_key, environment FROM app_attest_keys WHERE key_id = ? AND client_id = ?',
    )
    .bind(keyId, clientId)
    .first<{
      key_id: string;
      client_id: string;
      app_id: string;
      public_key: string;
      environment: 'production' | 'development';
    }>();
  return row
    ? {
        keyId: row.key_id,
        clientId: row.client_id,
        appId: row.app_id,
        publicKey: row.public_key,
        environment: row.environment,
      }
    : null;
}
