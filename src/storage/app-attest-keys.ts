/**
 * @module storage/app-attest-keys
 * Attested App Attest keys. The key lives in its own ReplayGuard object (`appattest:<hash>`,
 * beside its counter), created by its attestation near the device, so an assertion reads it from
 * nearby; the D1 table `app_attest_keys` (schema.sql) is the operator's index of them, written
 * after the response. Keys stored before the objects existed are still read from D1.
 */
import type { ReplayGuard } from '../../durable-objects/replay-guard';
import { sha256Hex } from '../crypto/digest';
import { guardOf } from '../replay/use-once';
import type { Db } from './db';

/** How long an attested key is kept without use (App Attest keys live as long as the app). */
const KEY_TTL_SECONDS = 5 * 365 * 86400;

/** The object of an App Attest key, by a hash of its id (its counter lives there too). */
export async function appAttestObject(keyId: string): Promise<string> {
  return `appattest:${await sha256Hex(`app-attest\u0000${keyId}`)}`;
}

export async function rememberAppAttestKey(
  guard: DurableObjectNamespace<ReplayGuard>,
  key: AppAttestKey,
): Promise<void> {
  const owner = await appAttestObject(key.keyId);
  const { key: name, stub } = await guardOf(guard, 'app-attest-key', key.keyId, owner);
  await stub.putRecord(name, JSON.stringify(key), KEY_TTL_SECONDS);
}

/** The key from its object, for `clientId`; null when the object has none. */
export async function recallAppAttestKey(
  guard: DurableObjectNamespace<ReplayGuard>,
  keyId: string,
  clientId: string,
): Promise<AppAttestKey | null> {
  const owner = await appAttestObject(keyId);
  const { key: name, stub } = await guardOf(guard, 'app-attest-key', keyId, owner);
  const record = await stub.getRecord(name);
  if (!record) return null;
  const key = JSON.parse(record.value) as AppAttestKey;
  return key.clientId === clientId ? key : null;
}

export interface AppAttestKey {
  readonly keyId: string;
  readonly clientId: string;
  readonly appId: string;
  readonly publicKey: string;
  readonly environment: 'production' | 'development';
}

export async function saveAppAttestKey(db: Db, key: AppAttestKey): Promise<void> {
  await db
    .prepare(
      `INSERT INTO app_attest_keys (key_id, client_id, app_id, public_key, environment) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key_id) DO NOTHING`,
    )
    .bind(key.keyId, key.clientId, key.appId, key.publicKey, key.environment)
    .run();
}

export async function findAppAttestKey(
  db: Db,
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
