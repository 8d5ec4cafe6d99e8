/**
 * @module storage/clients
 * D1 repository of clients (table `clients`, schema.sql), with a small per-isolate cache so that
 * hot clients are not read from D1 on every request (CLIENT_CACHE_TTL seconds, bounded size).
 */

import { AUTH_METHODS, type AuthMethod, type Client } from '../clients/client';
import type { Db } from './db';

export interface ClientRow {
  client_id: string;
  client_name: string | null;
  logo_uri?: string | null;
  policy_uri?: string | null;
  tos_uri?: string | null;
  client_type: 'confidential' | 'public';
  /** 0: PKCE may be left out of DPoP-bound HAAPI flows (added in 0.2; absent: 1). */
  require_pkce?: number | null;
  token_bound_code?: number | null;
  is_template: number;
  template_id: string | null;
  secret_hash: string | null;
  token_endpoint_auth_method: string;
  extra_auth_methods: string;
  grant_types: string;
  scopes: string;
  redirect_uris: string;
  post_logout_redirect_uris?: string | null;
  allowed_origins: string;
  jwks: string | null;
  tls_subject_dn: string | null;
  tls_issuer_dn: string | null;
  tls_cert_sha256: string;
  dpop_required: number;
  capabilities: string;
  attestation_policy: string | null;
  authenticate_client_by: string | null;
  access_token_ttl: number | null;
  refresh_token_ttl: number | null;
  disabled: number;
  expires_at: number | null;
  registration_cal: Client['registrationCal'];
  min_cal: Client['minCal'];
  registered_by: string | null;
  device_jkt: string | null;
  template_limits: string;
  registration_access_token_hash: string | null;
  /** Dynamic clients: the secret before the last re-registration, while it is still accepted. */
  previous_secret_hash?: string | null;
}

const MAX_CACHED = 500;
const cache = new Map<string, { client: Client | null; until: number }>();

function stringArray(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function clientFromRow(row: ClientRow): Client {
  // A dynamic client's secret is accepted in the form as well as in Basic (clients registered
  // before that was stored get it too).
  const dynamicSecret =
    row.template_id !== null && row.token_endpoint_auth_method === 'client_secret_basic';
  const methods = [
    row.token_endpoint_auth_method,
    ...stringArray(row.extra_auth_methods),
    ...(dynamicSecret ? ['client_secret_post'] : []),
  ].filter((m): m is AuthMethod => (AUTH_METHODS as readonly string[]).includes(m));
  const jwks: unknown = row.jwks ? JSON.parse(row.jwks) : null;
  const capabilities: unknown = JSON.parse(row.capabilities);
  return Object.freeze({
    clientId: row.client_id,
    clientName: row.client_name,
    logoUri: row.logo_uri ?? null,
    policyUri: row.policy_uri ?? null,
    tosUri: row.tos_uri ?? null,
    clientType: row.client_type,
    requirePkce: row.require_pkce !== 0,
    tokenBoundCode: row.token_bound_code !== 0,
    isTemplate: row.is_template === 1,
    templateId: row.template_id,
    secretHash: row.secret_hash,
    authMethods: [...new Set(methods)],
    grantTypes: stringArray(row.grant_types),
    scopes: row.scopes.split(' ').filter(Boolean),
    redirectUris: stringArray(row.redirect_uris),
    postLogoutRedirectUris: stringArray(row.post_logout_redirect_uris ?? '[]'),
    allowedOrigins: stringArray(row.allowed_origins),
    jwks:
      jwks && typeof jwks === 'object' && Array.isArray((jwks as { keys?: unknown }).keys)
        ? (jwks as Client['jwks'])
        : null,
    tlsSubjectDn: row.tls_subject_dn,
    tlsIssuerDn: row.tls_issuer_dn,
    tlsCertSha256: stringArray(row.tls_cert_sha256).map((f) => f.toLowerCase().replace(/:/g, '')),
    dpopRequired: row.dpop_required === 1,
    capabilities:
      capabilities && typeof capabilities === 'object'
        ? (capabilities as Client['capabilities'])
        : {},
    attestationPolicy: row.attestation_policy,
    authenticateClientBy: row.authenticate_client_by,
    accessTokenTtl: row.access_token_ttl,
    refreshTokenTtl: row.refresh_token_ttl,
    disabled: row.disabled === 1,
    expiresAt: row.expires_at,
    registrationCal: row.registration_cal,
    minCal: row.min_cal,
    registeredBy: row.registered_by,
    deviceJkt: row.device_jkt,
    templateLimits: JSON.parse(row.template_limits) as Client['templateLimits'],
    registrationAccessTokenHash: row.registration_access_token_hash,
    previousSecretHash: row.previous_secret_hash ?? null,
  });
}

/**
 * Reads a client by id (cached for `cacheTtl` seconds); null when there is none. With `primary`,
 * a client the replica does not have yet (registered a moment ago) is looked up there too.
 */
export async function findClient(
  db: Db,
  clientId: string,
  cacheTtl: number,
  primary?: Db,
): Promise<Client | null> {
  const now = Date.now();
  const cached = cacheTtl > 0 ? cache.get(clientId) : undefined;
  if (cached && cached.until > now) return cached.client;
  const read = (from: Db) =>
    from
      .prepare(
        `SELECT clients.*, (SELECT p.secret_hash FROM previous_client_secrets p
           WHERE p.client_id = clients.client_id AND p.expires_at > unixepoch()) AS previous_secret_hash
         FROM clients WHERE client_id = ?`,
      )
      .bind(clientId)
      .first<ClientRow>();
  const row = (await read(db)) ?? (primary && primary !== db ? await read(primary) : null);
  const client = row ? clientFromRow(row) : null;
  if (cacheTtl > 0) {
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(clientId, { client, until: now + cacheTtl * 1000 });
  }
  return client;
}

/** Clients some template names in `authenticate_client_by`, until when (ms) this isolate knows. */
const registrars = new Map<string, number>();

/**
 * Whether some template lets `clientId` register dynamic clients (`authenticate_client_by`). A yes
 * is remembered for `cacheTtl` seconds like a client record (a main client asks for an initial
 * access token for every device it registers); a no is read again each time, so a new template
 * applies at once.
 */
export async function isRegistrar(db: Db, clientId: string, cacheTtl: number): Promise<boolean> {
  const now = Date.now();
  if ((registrars.get(clientId) ?? 0) > now) return true;
  const row = await db
    .prepare(
      'SELECT 1 AS yes FROM clients WHERE is_template = 1 AND authenticate_client_by = ? AND disabled = 0 LIMIT 1',
    )
    .bind(clientId)
    .first();
  if (row !== null && cacheTtl > 0) {
    registrars.delete(clientId);
    if (registrars.size >= MAX_CACHED) registrars.delete(registrars.keys().next().value as string);
    registrars.set(clientId, now + cacheTtl * 1000);
  }
  return row !== null;
}

/**
 * Forgets cached clients (after a change made through this isolate, and in tests), and which
 * clients are registrars (a change to a template may end one).
 */
export function forgetClient(clientId?: string): void {
  if (clientId === undefined) cache.clear();
  else cache.delete(clientId);
  registrars.clear();
}

/** Whether any client lists `origin` among its allowed origins (CORS preflight). */
export async function isKnownOrigin(db: Db, origin: string): Promise<boolean> {
  const row = await db
    .prepare(
      'SELECT 1 AS found FROM clients, json_each(clients.allowed_origins) WHERE json_each.value = ? AND clients.disabled = 0 LIMIT 1',
    )
    .bind(origin)
    .first<{ found: number }>();
  return row !== null;
}
