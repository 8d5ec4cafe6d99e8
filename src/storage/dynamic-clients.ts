/**
 * @module storage/dynamic-clients
 * D1 writes for dynamic clients (RFC 7591/7592) registered from template clients. Each write is
 * one statement or one batch (a transaction), so a registration is all or nothing: it uses up its
 * initial access token and inserts the client together. The template's quota is checked inside
 * the INSERT, so concurrent registrations cannot exceed it.
 */

import type { Client } from '../clients/client';
import { type ClientRow, clientFromRow } from './clients';
import type { Db } from './db';

export interface NewDynamicClient {
  readonly clientId: string;
  readonly template: Client;
  /** How it authenticates: its secret (hashed), or the public key it registered (`jwks`). */
  readonly secretHash: string | null;
  readonly jwks: string | null;
  readonly registrationAccessTokenHash: string;
  readonly registrationCal: string;
  readonly registeredBy: string | null;
  readonly deviceJkt: string | null;
  readonly now: number;
  readonly expiresAt: number | null;
  readonly maxClients: number | null;
  /** The registration's initial access token: used up by the same transaction (single use). */
  readonly initialToken: { readonly jti: string; readonly expiresAt: number };
}

export type Insertion =
  | { readonly client: Client }
  | { readonly deviceClient: string }
  | 'quota'
  | 'token-used';

/**
 * Uses up the initial access token and inserts the client, in one transaction (a D1 batch): when
 * the token was already used or revoked (its jti is in `revoked_access_tokens`, where revocation
 * puts it too), `token-used` and nothing is written. Otherwise the token is used up and the client
 * inserted, unless the template is full (`quota`) or the device key already has a client of this
 * template (`deviceClient` names it). Both are checked inside the INSERT (the quota against the
 * template's row of `template_client_counts`, which triggers keep), and D1 runs concurrent
 * registrations one after the other, so neither can be exceeded.
 */
export async function insertDynamicClient(db: Db, c: NewDynamicClient): Promise<Insertion> {
  const t = c.template;
  const statements = [
    db
      .prepare('INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)')
      .bind(c.initialToken.jti, c.initialToken.expiresAt),
    db
      .prepare(
        `INSERT INTO clients (client_id, client_name, client_type, template_id, secret_hash, token_endpoint_auth_method,
         grant_types, scopes, redirect_uris, allowed_origins, capabilities, dpop_required, access_token_ttl, refresh_token_ttl,
         registration_access_token_hash, registration_cal, registered_by, device_jkt, created_at, updated_at, last_used_at, expires_at, min_cal, jwks)
       SELECT ?1, ?2, 'confidential', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?18, ?19, ?20, ?21
       WHERE (?22 IS NULL OR COALESCE((SELECT clients FROM template_client_counts WHERE template_id = ?3), 0) < ?22)
         AND NOT EXISTS (SELECT 1 FROM clients WHERE template_id = ?3 AND device_jkt = ?17)
       RETURNING *`,
      )
      .bind(
        c.clientId,
        t.clientName,
        t.clientId,
        c.secretHash,
        c.jwks ? 'private_key_jwt' : 'client_secret_basic',
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
        c.expiresAt,
        t.minCal,
        c.jwks,
        c.maxClients,
      ),
  ];
  // The client the device key already has, when the insert found one (read in the same batch).
  if (c.deviceJkt !== null)
    statements.push(
      db
        .prepare(
          'SELECT client_id FROM clients WHERE template_id = ? AND device_jkt = ? AND client_id <> ?',
        )
        .bind(t.clientId, c.deviceJkt, c.clientId),
    );
  let results: D1Result<Record<string, unknown>>[];
  try {
    results = await db.batch<Record<string, unknown>>(statements);
  } catch (err) {
    // The token's jti is already there: the whole batch is rolled back.
    if (/UNIQUE.*revoked_access_tokens/.test(String(err))) return 'token-used';
    throw err;
  }
  const row = results[1]?.results[0] as ClientRow | undefined;
  if (row) return { client: clientFromRow(row) };
  const existing = results[2]?.results[0]?.client_id;
  return typeof existing === 'string' ? { deviceClient: existing } : 'quota';
}

/** The dynamic client a device key already registered from this template, if any. */
export async function findByDevice(
  db: Db,
  templateId: string,
  deviceJkt: string,
): Promise<string | null> {
  const row = await db
    .prepare('SELECT client_id FROM clients WHERE template_id = ? AND device_jkt = ?')
    .bind(templateId, deviceJkt)
    .first<{ client_id: string }>();
  return row?.client_id ?? null;
}

/**
 * New credentials and assurance for a dynamic client registered again from its device key, in one
 * batch (both or neither): the current secret is kept as the previous one until
 * `previousSecretUntil` (or until the new one is used: forgetPreviousSecret).
 */
export async function rotateCredentials(
  db: Db,
  change: {
    clientId: string;
    /** A new secret (the current one is kept as the previous), or the device's new public key. */
    secretHash: string | null;
    jwks: string | null;
    registrationAccessTokenHash: string;
    registrationCal: string;
    registeredBy: string | null;
    now: number;
    previousSecretUntil: number;
  },
): Promise<void> {
  const { clientId, now } = change;
  await db.batch([
    db
      .prepare(
        `INSERT INTO previous_client_secrets (client_id, secret_hash, expires_at)
         SELECT client_id, secret_hash, ? FROM clients
         WHERE client_id = ? AND template_id IS NOT NULL AND secret_hash IS NOT NULL
         ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, expires_at = excluded.expires_at`,
      )
      .bind(change.previousSecretUntil, clientId),
    db
      .prepare(
        `UPDATE clients SET secret_hash = ?, jwks = ?, token_endpoint_auth_method = ?,
           registration_access_token_hash = ?, registration_cal = ?,
           registered_by = ?, updated_at = ?, last_used_at = ?
         WHERE client_id = ? AND template_id IS NOT NULL`,
      )
      .bind(
        change.secretHash,
        change.jwks,
        change.jwks ? 'private_key_jwt' : 'client_secret_basic',
        change.registrationAccessTokenHash,
        change.registrationCal,
        change.registeredBy,
        now,
        now,
        clientId,
      ),
  ]);
}

/** A new registration access token (RFC 7592 §2.2: an update may rotate it). */
export async function rotateRegistrationAccessToken(
  db: Db,
  clientId: string,
  registrationAccessTokenHash: string,
  now: number,
): Promise<void> {
  await db
    .prepare(
      'UPDATE clients SET registration_access_token_hash = ?, updated_at = ? WHERE client_id = ? AND template_id IS NOT NULL',
    )
    .bind(registrationAccessTokenHash, now, clientId)
    .run();
}

/** The new secret of a re-registered client was used: the previous one is no longer accepted. */
export async function forgetPreviousSecret(db: Db, clientId: string): Promise<void> {
  await db.prepare('DELETE FROM previous_client_secrets WHERE client_id = ?').bind(clientId).run();
}

export async function updateClientName(
  db: Db,
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

export async function deleteDynamicClient(db: Db, clientId: string): Promise<void> {
  await db
    .prepare('DELETE FROM clients WHERE client_id = ? AND template_id IS NOT NULL')
    .bind(clientId)
    .run();
}

/** Trust on first use: binds the client to `jkt` unless it is bound already; answers the binding. */
export async function bindDeviceKey(db: Db, clientId: string, jkt: string): Promise<string | null> {
  // Not a key another dynamic client of the same template holds (one statement: atomic; the
  // unique index clients_template_device would otherwise refuse it with an error).
  await db
    .prepare(
      `UPDATE clients SET device_jkt = ?1 WHERE client_id = ?2 AND device_jkt IS NULL
         AND NOT EXISTS (SELECT 1 FROM clients other WHERE other.device_jkt = ?1
           AND other.template_id = (SELECT template_id FROM clients WHERE client_id = ?2))`,
    )
    .bind(jkt, clientId)
    .run();
  const row = await db
    .prepare('SELECT device_jkt FROM clients WHERE client_id = ?')
    .bind(clientId)
    .first<{ device_jkt: string | null }>();
  return row?.device_jkt ?? null;
}

export async function touchClient(db: Db, clientId: string, now: number): Promise<void> {
  await db
    .prepare('UPDATE clients SET last_used_at = ? WHERE client_id = ? AND template_id IS NOT NULL')
    .bind(now, clientId)
    .run();
}

/** Deletes dynamic clients past their absolute lifetime or idle longer than their template allows. */
export async function purgeDynamicClients(db: Db, now: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM clients WHERE template_id IS NOT NULL AND (
         (expires_at IS NOT NULL AND expires_at <= ?1)
         OR EXISTS (SELECT 1 FROM clients AS t WHERE t.client_id = clients.template_id
              AND json_extract(t.template_limits, '$.idleSeconds') IS NOT NULL
              AND COALESCE(clients.last_used_at, clients.created_at) + json_extract(t.template_limits, '$.idleSeconds') <= ?1))
       RETURNING client_id`,
    )
    .bind(now)
    .all();
  // The rows returned, not the count of changes, which includes the trigger's counter updates.
  return result.results.length;
}
