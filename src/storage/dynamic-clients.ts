/**
 * @module storage/dynamic-clients
 * D1 writes for dynamic clients (RFC 7591/7592) registered from template clients. Each write is
 * one statement, so a registration is all or nothing; the template's quota is checked inside the
 * INSERT, so concurrent registrations cannot exceed it.
 */
import type { Client } from '../clients/client';
import { type ClientRow, clientFromRow } from './clients';

export interface NewDynamicClient {
  readonly clientId: string;
  readonly template: Client;
  readonly secretHash: string;
  readonly registrationAccessTokenHash: string;
  readonly registrationCal: string;
  readonly registeredBy: string | null;
  readonly deviceJkt: string | null;
  readonly now: number;
  readonly expiresAt: number | null;
  readonly maxClients: number | null;
}

/** Inserts the client: `quota` when the template is full, `device` when the device key has one. */
export async function insertDynamicClient(
  db: D1Database,
  c: NewDynamicClient,
): Promise<{ client: Client } | 'quota' | 'device'> {
  const t = c.template;
  let row: ClientRow | null;
  try {
    // One statement: the quota check, the insert, and the stored row back (RETURNING).
    row = await db
      .prepare(
        `INSERT INTO clients (client_id, client_name, client_type, template_id, secret_hash, token_endpoint_auth_method,
         grant_types, scopes, redirect_uris, allowed_origins, capabilities, dpop_required, access_token_ttl, refresh_token_ttl,
         registration_access_token_hash, registration_cal, registered_by, device_jkt, created_at, updated_at, last_used_at, expires_at, min_cal)
       SELECT ?, ?, 'confidential', ?, ?, 'client_secret_basic', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
       WHERE ? IS NULL OR (SELECT COUNT(*) FROM clients WHERE template_id = ?) < ?
       RETURNING *`,
      )
      .bind(
        c.clientId,
        t.clientName,
        t.clientId,
        c.secretHash,
        JSON.stringify(
          t.grantTypes.filter(
            (g) =>
              g === 'authorization_code' || g === 'refresh_token' || g === 'client_credentials',
          ),
        ),
        t.scopes.join(' '),
        JSON.stringify(t.redirectUris),
        JSON.stringify(t.allowedOrigins),
        JSON.stringify(t.capabilities),
        t.dpopRequired ? 1 : 0,
        t.accessTokenTtl,
        t.refreshTokenTtl,
        c.registrationAccessTokenHash,
        c.registrationCal,
        c.registeredBy,
        c.deviceJkt,
        c.now,
        c.now,
        c.now,
        c.expiresAt,
        t.minCal,
        c.maxClients,
        t.clientId,
        c.maxClients,
      )
      .first<ClientRow>();
  } catch (err) {
    // The device key already has a client of this template (the unique (template, device) index).
    if (String(err).includes('UNIQUE')) return 'device';
    throw err;
  }
  return row ? { client: clientFromRow(row) } : 'quota';
}

/** The dynamic client a device key already registered from this template, if any. */
export async function findByDevice(
  db: D1Database,
  templateId: string,
  deviceJkt: string,
): Promise<string | null> {
  const row = await db
    .prepare('SELECT client_id FROM clients WHERE template_id = ? AND device_jkt = ?')
    .bind(templateId, deviceJkt)
    .first<{ client_id: string }>();
  return row?.client_id ?? null;
}

/** New secret and registration access token for an existing dynamic client. */
export async function rotateCredentials(
  db: D1Database,
  clientId: string,
  secretHash: string | null,
  registrationAccessTokenHash: string,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `UPDATE clients SET secret_hash = COALESCE(?, secret_hash), registration_access_token_hash = ?, updated_at = ?, last_used_at = ?
       WHERE client_id = ? AND template_id IS NOT NULL`,
    )
    .bind(secretHash, registrationAccessTokenHash, now, now, clientId)
    .run();
}

export async function updateClientName(
  db: D1Database,
  clientId: string,
  name: string | null,
  now: number,
): Promise<void> {
  await db
    .prepare(
      'UPDATE clients SET client_name = ?, updated_at = ? WHERE client_id = ? AND template_id IS NOT NULL',
    )
    .bind(name, now, clientId)
    .run();
}

export async function deleteDynamicClient(db: D1Database, clientId: string): Promise<void> {
  await db
    .prepare('DELETE FROM clients WHERE client_id = ? AND template_id IS NOT NULL')
    .bind(clientId)
    .run();
}

/** Trust on first use: binds the client to `jkt` unless it is bound already; answers the binding. */
export async function bindDeviceKey(
  db: D1Database,
  clientId: string,
  jkt: string,
): Promise<string | null> {
  await db
    .prepare('UPDATE clients SET device_jkt = ? WHERE client_id = ? AND device_jkt IS NULL')
    .bind(jkt, clientId)
    .run();
  const row = await db
    .prepare('SELECT device_jkt FROM clients WHERE client_id = ?')
    .bind(clientId)
    .first<{ device_jkt: string | null }>();
  return row?.device_jkt ?? null;
}

export async function touchClient(db: D1Database, clientId: string, now: number): Promise<void> {
  await db
    .prepare('UPDATE clients SET last_used_at = ? WHERE client_id = ? AND template_id IS NOT NULL')
    .bind(now, clientId)
    .run();
}

/** Whether some template lets `clientId` register dynamic clients (`authenticate_client_by`). */
export async function isRegistrar(db: D1Database, clientId: string): Promise<boolean> {
  const row = await db
    .prepare(
      'SELECT 1 AS yes FROM clients WHERE is_template = 1 AND authenticate_client_by = ? AND disabled = 0 LIMIT 1',
    )
    .bind(clientId)
    .first();
  return row !== null;
}

/** Deletes dynamic clients past their absolute lifetime or idle longer than their template allows. */
export async function purgeDynamicClients(db: D1Database, now: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM clients WHERE template_id IS NOT NULL AND (
         (expires_at IS NOT NULL AND expires_at <= ?1)
         OR EXISTS (SELECT 1 FROM clients AS t WHERE t.client_id = clients.template_id
              AND json_extract(t.template_limits, '$.idleSeconds') IS NOT NULL
              AND COALESCE(clients.last_used_at, clients.created_at) + json_extract(t.template_limits, '$.idleSeconds') <= ?1))`,
    )
    .bind(now)
    .run();
  return result.meta.changes;
}

/** Revokes (deletes) every dynamic client of a template. */
export async function deleteTemplateClients(db: D1Database, templateId: string): Promise<number> {
  const result = await db
    .prepare('DELETE FROM clients WHERE template_id = ?')
    .bind(templateId)
    .run();
  return result.meta.changes;
}
