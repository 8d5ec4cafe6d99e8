-- edge-haapi D1 schema. Idempotent: applied by `npm start`'s set-up, by the test set-up and,
-- when deploying, with `wrangler d1 execute DB --remote --file schema.sql`.
-- Times are Unix seconds. JSON columns hold arrays or objects and are checked with json_valid.

-- Clients: static clients, template clients (is_template = 1) and the dynamic clients registered
-- from a template (template_id set). Secrets are stored hashed (src/crypto/secret-hash.ts).
CREATE TABLE IF NOT EXISTS clients (
  client_id TEXT PRIMARY KEY CHECK (length(client_id) BETWEEN 1 AND 255),
  client_name TEXT,
  -- shown on the sign-in pages (RFC 7591 §2 client metadata): an https logo, privacy policy and
  -- terms of service (added in 0.2: docs/operations.md, "Upgrading")
  logo_uri TEXT,
  policy_uri TEXT,
  tos_uri TEXT,
  -- 0: PKCE may be left out of a native app's HAAPI flow, whose code is bound to its DPoP key
  -- (added in 0.2)
  require_pkce INTEGER NOT NULL DEFAULT 1 CHECK (require_pkce IN (0, 1)),
  -- 1: a native app's HAAPI code is bound to its DPoP key, so only that key redeems it (Curity's
  -- issue-token-bound-authorization-code); 0: not bound, and PKCE is then always required
  -- (added in 0.2)
  token_bound_code INTEGER NOT NULL DEFAULT 1 CHECK (token_bound_code IN (0, 1)),
  client_type TEXT NOT NULL DEFAULT 'confidential' CHECK (client_type IN ('confidential', 'public')),
  is_template INTEGER NOT NULL DEFAULT 0 CHECK (is_template IN (0, 1)),
  template_id TEXT REFERENCES clients (client_id) ON DELETE CASCADE,
  secret_hash TEXT,
  token_endpoint_auth_method TEXT NOT NULL DEFAULT 'client_secret_basic' CHECK (
    token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt',
      'tls_client_auth', 'self_signed_tls_client_auth', 'none')),
  -- further methods the client may also use (the DCR fallback's main client allows several)
  extra_auth_methods TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(extra_auth_methods)),
  grant_types TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(grant_types)),
  scopes TEXT NOT NULL DEFAULT '' ,
  redirect_uris TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(redirect_uris)),
  -- where the end-session endpoint may send the browser after a logout (OpenID Connect
  -- RP-Initiated Logout 1.0 §3.1; added in 0.2)
  post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(post_logout_redirect_uris)),
  allowed_origins TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(allowed_origins)),
  jwks TEXT CHECK (jwks IS NULL OR json_valid(jwks)),
  -- tls_client_auth (RFC 8705 §2.1): the certificate must be verified by Cloudflare against the
  -- zone's mTLS CAs, and its subject DN (RFC 2253 form) must equal tls_subject_dn; tls_issuer_dn,
  -- when set, pins the issuing CA's DN. (Cloudflare exposes no SAN, so SAN matching is not offered.)
  tls_subject_dn TEXT,
  tls_issuer_dn TEXT,
  -- self_signed_tls_client_auth: SHA-256 fingerprints (hex) of the registered certificates
  tls_cert_sha256 TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tls_cert_sha256)),
  dpop_required INTEGER NOT NULL DEFAULT 0 CHECK (dpop_required IN (0, 1)),
  -- {"code": true, "haapi": true, "allowWithoutAttestation": false, "clientCredentials": true}
  capabilities TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(capabilities)),
  attestation_policy TEXT,
  -- template clients: the client whose credentials may register dynamic clients from it
  authenticate_client_by TEXT,
  -- template clients: {"maxClients": n, "idleSeconds": n, "lifetimeSeconds": n, "credential": "secret"}
  template_limits TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(template_limits)),
  registration_access_token_hash TEXT,
  -- dynamic clients: the client assurance level of their registration (`by-provisioned-key` after
  -- mTLS or a JWT assertion, `none` after a secret), the device credential that registered them,
  -- and the device key (JWK thumbprint) their AAT requests must use
  -- the lowest client assurance level this client's logins may have (NULL: any)
  min_cal TEXT CHECK (min_cal IS NULL OR min_cal IN ('by-policy', 'by-provisioned-key', 'none')),
  registration_cal TEXT CHECK (registration_cal IS NULL OR registration_cal IN ('by-policy', 'by-provisioned-key', 'none')),
  registered_by TEXT,
  device_jkt TEXT,
  access_token_ttl INTEGER CHECK (access_token_ttl IS NULL OR access_token_ttl > 0),
  refresh_token_ttl INTEGER CHECK (refresh_token_ttl IS NULL OR refresh_token_ttl > 0),
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  last_used_at INTEGER,
  expires_at INTEGER,
  CHECK (NOT (is_template = 1 AND template_id IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS clients_template_id ON clients (template_id) WHERE template_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS clients_expires_at ON clients (expires_at) WHERE expires_at IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS clients_template_device ON clients (template_id, device_jkt) WHERE template_id IS NOT NULL AND device_jkt IS NOT NULL;

-- How many dynamic clients each template has, kept by the two triggers below, so that a
-- registration checks its template's maxClients by reading one row instead of counting every
-- client of the template (a count is a scan: 100,000 index entries for the demo's quota, on the
-- D1 primary, at every registration). The INSERT fills it once for clients registered before it
-- existed (later runs of this file change nothing: the rows are there and the triggers keep them).
-- (Trigger bodies stay on one line: the set-up scripts split this file at a `;` ending a line.)
CREATE TABLE IF NOT EXISTS template_client_counts (
  template_id TEXT PRIMARY KEY REFERENCES clients (client_id) ON DELETE CASCADE,
  clients INTEGER NOT NULL CHECK (clients >= 0)
);
INSERT OR IGNORE INTO template_client_counts (template_id, clients)
  SELECT template_id, COUNT(*) FROM clients WHERE template_id IS NOT NULL GROUP BY template_id;
CREATE TRIGGER IF NOT EXISTS clients_counted_insert AFTER INSERT ON clients WHEN NEW.template_id IS NOT NULL
BEGIN INSERT INTO template_client_counts (template_id, clients) VALUES (NEW.template_id, 1) ON CONFLICT (template_id) DO UPDATE SET clients = clients + 1; END;
CREATE TRIGGER IF NOT EXISTS clients_counted_delete AFTER DELETE ON clients WHEN OLD.template_id IS NOT NULL
BEGIN UPDATE template_client_counts SET clients = clients - 1 WHERE template_id = OLD.template_id; END;

-- A dynamic client's secret before its last re-registration: still accepted until the new
-- secret is first used or expires_at passes, so a client whose registration response was lost
-- keeps working (RFC 7591 clients must never lose their credentials to an undelivered answer).
CREATE TABLE IF NOT EXISTS previous_client_secrets (
  client_id TEXT PRIMARY KEY REFERENCES clients (client_id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);

-- Accounts of the account manager. password_hash: PBKDF2-SHA256 (src/crypto/secret-hash.ts).
CREATE TABLE IF NOT EXISTS accounts (
  subject TEXT PRIMARY KEY CHECK (length(subject) BETWEEN 1 AND 255),
  username TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 255),
  password_hash TEXT,
  attributes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  -- single sign-on sessions that began at or before this time (Unix seconds) are ended: set by a
  -- new password and by an operator (added in 0.2)
  sessions_valid_after INTEGER,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

-- WebAuthn devices (credentials) of an account.
CREATE TABLE IF NOT EXISTS webauthn_devices (
  credential_id TEXT PRIMARY KEY,            -- base64url
  subject TEXT NOT NULL REFERENCES accounts (subject) ON DELETE CASCADE,
  public_key TEXT NOT NULL,                  -- COSE key, base64url
  counter INTEGER NOT NULL DEFAULT 0 CHECK (counter >= 0),
  transports TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(transports)),
  device_type TEXT NOT NULL CHECK (device_type IN ('platform', 'cross-platform')),
  aaguid TEXT,
  backup_eligible INTEGER NOT NULL DEFAULT 0 CHECK (backup_eligible IN (0, 1)),
  backup_state INTEGER NOT NULL DEFAULT 0 CHECK (backup_state IN (0, 1)),
  name TEXT,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  last_used_at INTEGER
);
CREATE INDEX IF NOT EXISTS webauthn_devices_subject ON webauthn_devices (subject);

-- Refresh-token families: one per grant. A refresh token is `<family_id>.<generation>.<mac>`
-- (src/tokens/refresh-token.ts): only the current generation refreshes; the previous one inside
-- the grace window gets the same answer again; any older one (reuse) revokes the family.
CREATE TABLE IF NOT EXISTS refresh_token_families (
  family_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  subject TEXT,
  scope TEXT NOT NULL DEFAULT '',
  auth TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(auth)),  -- acr, amr, auth_time, cal, sid
  cnf_jkt TEXT,                               -- DPoP key binding of the family, if any
  generation INTEGER NOT NULL DEFAULT 1 CHECK (generation >= 1),
  rotated_at INTEGER,                         -- when `generation` was last incremented
  access_jti TEXT,                            -- jti of the access token issued with the current generation
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  revoked_reason TEXT
);
CREATE INDEX IF NOT EXISTS refresh_token_families_client ON refresh_token_families (client_id);
CREATE INDEX IF NOT EXISTS refresh_token_families_subject ON refresh_token_families (subject);
CREATE INDEX IF NOT EXISTS refresh_token_families_expires ON refresh_token_families (expires_at);

-- Revoked access tokens (by jti) until they would have expired anyway.
CREATE TABLE IF NOT EXISTS revoked_access_tokens (
  jti TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS revoked_access_tokens_expires ON revoked_access_tokens (expires_at);

-- App Attest keys attested by iOS clients (kept so that later challenges can be answered with an
-- assertion instead of a new attestation). The counter itself lives in ReplayGuard.
CREATE TABLE IF NOT EXISTS app_attest_keys (
  key_id TEXT PRIMARY KEY,                    -- base64 SHA-256 of the public point, as Apple gives it
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,                       -- TEAMID.bundleId
  public_key TEXT NOT NULL,                   -- SubjectPublicKeyInfo DER, base64
  environment TEXT NOT NULL CHECK (environment IN ('production', 'development')),
  created_at INTEGER NOT NULL DEFAULT (unixepoch())
);
CREATE INDEX IF NOT EXISTS app_attest_keys_client ON app_attest_keys (client_id);

-- Google's attestation certificate status list (REVOKED / SUSPENDED serials), refreshed by the
-- Cron trigger from ATTESTATION_STATUS_URL; serials are lower-case hex without leading zeros.
CREATE TABLE IF NOT EXISTS attestation_revocations (
  serial TEXT PRIMARY KEY CHECK (serial GLOB '[0-9a-f]*'),
  status TEXT NOT NULL CHECK (status IN ('REVOKED', 'SUSPENDED')),
  reason TEXT,
  expires TEXT,
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

-- The FIDO Metadata Service (MDS3) entries of FIDO2 authenticators (by AAGUID), from the last blob
-- whose signature chained to the metadata root (WEBAUTHN_METADATA_URL; the Cron trigger refreshes
-- it): the model's name, the roots its attestations chain to, the latest status report.
CREATE TABLE IF NOT EXISTS webauthn_metadata (
  aaguid TEXT PRIMARY KEY CHECK (length(aaguid) = 36),
  description TEXT NOT NULL,
  attestation_roots TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(attestation_roots)),
  status TEXT,
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

-- The blob the rows above came from: its serial number (`no`, only ever moves forward), its
-- `nextUpdate`, and when it was stored.
CREATE TABLE IF NOT EXISTS webauthn_metadata_blob (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  serial INTEGER NOT NULL,
  next_update TEXT NOT NULL,
  stored_at INTEGER NOT NULL
);
