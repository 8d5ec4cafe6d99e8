/**
 * @module storage/webauthn-devices
 * WebAuthn devices (credentials) of the D1 account manager (`webauthn_devices`, schema.sql).
 * Counters only move forward: the update is conditional on the counter the login read, so two
 * concurrent uses of one cloned credential cannot both pass.
 */
import type { Db } from './db';

export type DeviceType = 'platform' | 'cross-platform';

export interface WebauthnDevice {
  readonly credentialId: string;
  readonly subject: string;
  /** COSE public key, base64url. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly deviceType: DeviceType;
  readonly aaguid: string | null;
  readonly backupEligible: boolean;
  readonly backupState: boolean;
  readonly name: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

interface Row {
  credential_id: string;
  subject: string;
  public_key: string;
  counter: number;
  transports: string;
  device_type: DeviceType;
  aaguid: string | null;
  backup_eligible: number;
  backup_state: number;
  name: string | null;
  created_at: number;
  last_used_at: number | null;
}

function fromRow(row: Row): WebauthnDevice {
  const transports: unknown = JSON.parse(row.transports);
  return {
    credentialId: row.credential_id,
    subject: row.subject,
    publicKey: row.public_key,
    counter: row.counter,
    transports: Array.isArray(transports) ? transports.filter((t) => typeof t === 'string') : [],
    deviceType: row.device_type,
    aaguid: row.aaguid,
    backupEligible: row.backup_eligible === 1,
    backupState: row.backup_state === 1,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export async function listDevices(db: Db, subject: string): Promise<WebauthnDevice[]> {
  const { results } = await db
    .prepare('SELECT * FROM webauthn_devices WHERE subject = ? ORDER BY created_at, credential_id')
    .bind(subject)
    .all<Row>();
  return results.map(fromRow);
}

/**
 * The account's devices with their model's name from the FIDO metadata (`model`, when the AAGUID
 * is known there), for the device lists.
 */
export async function listDevicesWithModel(
  db: Db,
  subject: string,
): Promise<(WebauthnDevice & { readonly model: string | null })[]> {
  const { results } = await db
    .prepare(
      `SELECT d.*, m.description AS model FROM webauthn_devices AS d
       LEFT JOIN webauthn_metadata AS m ON m.aaguid = d.aaguid
       WHERE d.subject = ? ORDER BY d.created_at, d.credential_id`,
    )
    .bind(subject)
    .all<Row & { model: string | null }>();
  return results.map((row) => ({ ...fromRow(row), model: row.model }));
}

export async function findDevice(db: Db, credentialId: string): Promise<WebauthnDevice | null> {
  const row = await db
    .prepare('SELECT * FROM webauthn_devices WHERE credential_id = ?')
    .bind(credentialId)
    .first<Row>();
  return row ? fromRow(row) : null;
}

/** Stores a new device; false when the credential id is already registered (to anyone). */
export async function insertDevice(
  db: Db,
  device: Omit<WebauthnDevice, 'lastUsedAt'>,
): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO webauthn_devices (credential_id, subject, public_key, counter, transports,
         device_type, aaguid, backup_eligible, backup_state, name, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    )
    .bind(
      device.credentialId,
      device.subject,
      device.publicKey,
      device.counter,
      JSON.stringify(device.transports),
      device.deviceType,
      device.aaguid,
      device.backupEligible ? 1 : 0,
      device.backupState ? 1 : 0,
      device.name,
      device.createdAt,
    )
    .run();
  return result.meta.changes === 1;
}

/** Records a use; false when another use moved the counter first. */
export async function recordDeviceUse(
  db: Db,
  device: WebauthnDevice,
  counter: number,
  backupState: boolean,
  now: number,
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE webauthn_devices SET counter = ?, backup_state = ?, last_used_at = ?
       WHERE credential_id = ? AND counter = ?`,
    )
    .bind(counter, backupState ? 1 : 0, now, device.credentialId, device.counter)
    .run();
  return result.meta.changes === 1;
}

export async function renameDevice(
  db: Db,
  subject: string,
  credentialId: string,
  name: string,
): Promise<boolean> {
  const result = await db
    .prepare('UPDATE webauthn_devices SET name = ? WHERE credential_id = ? AND subject = ?')
    .bind(name, credentialId, subject)
    .run();
  return result.meta.changes === 1;
}

/** Deletes a device of `subject` (or of anyone when `subject` is null: the admin removal). */
export async function deleteDevice(
  db: Db,
  subject: string | null,
  credentialId: string,
): Promise<boolean> {
  const result = await (subject === null
    ? db.prepare('DELETE FROM webauthn_devices WHERE credential_id = ?').bind(credentialId)
    : db
        .prepare('DELETE FROM webauthn_devices WHERE credential_id = ? AND subject = ?')
        .bind(credentialId, subject)
  ).run();
  return result.meta.changes === 1;
}
