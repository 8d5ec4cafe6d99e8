/**
 * @module admin/client-input
 * Validation of client records given by an operator (admin HTTP API and admin CLI share it): JSON
 * in, the `clients` columns out (schema.sql), or an `invalid_request` naming the field. A given
 * `secret` is hashed here (PBKDF2 for chosen secrets, salted SHA-256 for 256-bit ones).
 */
import { AUTH_METHODS } from '../clients/client';
import { hashGeneratedSecret, hashPassword } from '../crypto/secret-hash';
import { OAuthError } from '../errors/oauth-error';

export type ColumnValue = string | number | null;

const bad = (field: string, problem: string) =>
  new OAuthError('invalid_request', `${field} ${problem}`);

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');

type Check = (value: unknown, field: string) => ColumnValue;

const text: Check = (v, f) => {
  if (v === null) return null;
  if (typeof v !== 'string' || v.length > 2000) throw bad(f, 'must be a string');
  return v;
};
const oneOf =
  (...values: string[]): Check =>
  (v, f) => {
    if (v === null) return null;
    if (typeof v !== 'string' || !values.includes(v))
      throw bad(f, `must be one of ${values.join(', ')}`);
    return v;
  };
const flag: Check = (v, f) => {
  if (typeof v !== 'boolean') throw bad(f, 'must be true or false');
  return v ? 1 : 0;
};
const seconds: Check = (v, f) => {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw bad(f, 'must be a positive whole number of seconds');
  return v;
};
const strings: Check = (v, f) => {
  if (!isStringArray(v)) throw bad(f, 'must be an array of strings');
  return JSON.stringify(v);
};
const object: Check = (v, f) => {
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(f, 'must be a JSON object');
  return JSON.stringify(v);
};

/** An https URL shown on the sign-in pages (a logo, a policy); null clears it. */
const pageUrl: Check = (v, f) => {
  if (v === null) return null;
  let url: URL | undefined;
  try {
    url = typeof v === 'string' ? new URL(v) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:') throw bad(f, 'must be an https URL');
  return url.href;
};

/** Redirect URIs: each parses, none has a fragment (RFC 6749 §3.1.2). */
const uris: Check = (v, f) => {
  if (!isStringArray(v)) throw bad(f, 'must be an array of URIs');
  for (const uri of v) {
    try {
      new URL(uri);
    } catch {
      throw bad(f, `contains a URI that does not parse: ${uri}`);
    }
    if (uri.includes('#')) throw bad(f, 'must not contain fragments (RFC 6749 §3.1.2)');
  }
  return JSON.stringify(v);
};

/** Operator-settable fields and how each is checked. */
const FIELDS: Record<string, { column: string; check: Check }> = {
  client_name: { column: 'client_name', check: text },
  logo_uri: { column: 'logo_uri', check: pageUrl },
  policy_uri: { column: 'policy_uri', check: pageUrl },
  tos_uri: { column: 'tos_uri', check: pageUrl },
  client_type: { column: 'client_type', check: oneOf('confidential', 'public') },
  require_pkce: { column: 'require_pkce', check: flag },
  token_bound_code: { column: 'token_bound_code', check: flag },
  is_template: { column: 'is_template', check: flag },
  token_endpoint_auth_method: {
    column: 'token_endpoint_auth_method',
    check: oneOf(...AUTH_METHODS),
  },
  extra_auth_methods: {
    column: 'extra_auth_methods',
    check: (v, f) => {
      if (!isStringArray(v) || !v.every((m) => (AUTH_METHODS as readonly string[]).includes(m))) {
        throw bad(f, `must list methods among ${AUTH_METHODS.join(', ')}`);
      }
      return JSON.stringify(v);
    },
  },
  grant_types: { column: 'grant_types', check: strings },
  scope: {
    column: 'scopes',
    check: (v, f) => {
      if (typeof v !== 'string') throw bad(f, 'must be a space-separated string');
      return v.split(' ').filter(Boolean).join(' ');
    },
  },
  redirect_uris: { column: 'redirect_uris', check: uris },
  post_logout_redirect_uris: { column: 'post_logout_redirect_uris', check: uris },

  allowed_origins: { column: 'allowed_origins', check: strings },
  jwks: {
    column: 'jwks',
    check: (v, f) => {
      if (v === null) return null;
      if (typeof v !== 'object' || !Array.isArray((v as { keys?: unknown }).keys))
        throw bad(f, 'must be a JWK set {"keys":[...]}');
      if ((v as { keys: Record<string, unknown>[] }).keys.some((k) => 'd' in k))
        throw bad(f, 'must hold public keys only');
      return JSON.stringify(v);
    },
  },
  tls_subject_dn: { column: 'tls_subject_dn', check: text },
  tls_issuer_dn: { column: 'tls_issuer_dn', check: text },
  tls_cert_sha256: {
    column: 'tls_cert_sha256',
    check: (v, f) => {
      if (!isStringArray(v) || !v.every((d) => /^[0-9a-fA-F:]{64,95}$/.test(d)))
        throw bad(f, 'must list SHA-256 fingerprints (hex)');
      return JSON.stringify(v.map((d) => d.replace(/:/g, '').toLowerCase()));
    },
  },
  dpop_required: { column: 'dpop_required', check: flag },
  capabilities: { column: 'capabilities', check: object },
  attestation_policy: { column: 'attestation_policy', check: text },
  authenticate_client_by: { column: 'authenticate_client_by', check: text },
  template_limits: { column: 'template_limits', check: object },
  min_cal: { column: 'min_cal', check: oneOf('by-policy', 'by-provisioned-key', 'none') },
  access_token_ttl: { column: 'access_token_ttl', check: seconds },
  refresh_token_ttl: { column: 'refresh_token_ttl', check: seconds },
  disabled: { column: 'disabled', check: flag },
};

/** Validates `input` and returns the columns to write (the client id is not among them). */
export async function clientColumns(
  input: Readonly<Record<string, unknown>>,
): Promise<Record<string, ColumnValue>> {
  const columns: Record<string, ColumnValue> = {};
  for (const [field, value] of Object.entries(input)) {
    if (field === 'client_id') continue;
    if (field === 'secret') {
      if (typeof value !== 'string' || value.length < 8)
        throw bad('secret', 'must be a string of at least 8 characters');
      columns.secret_hash =
        value.length >= 43 ? await hashGeneratedSecret(value) : await hashPassword(value);
      continue;
    }
    const spec = FIELDS[field];
    if (!spec) throw bad(field, 'is not a client field that can be set');
    columns[spec.column] = spec.check(value, field);
  }
  return columns;
}

export function clientId(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9._:-]{1,255}$/.test(value)) {
    throw bad('client_id', 'must be 1–255 of A-Z, a-z, 0-9, ".", "_", ":", "-"');
  }
  return value;
}

/** The public view of a client row: everything but hashes. */
export function clientView(row: Record<string, unknown>): Record<string, unknown> {
  const { secret_hash: _s, registration_access_token_hash: _r, ...rest } = row;
  const view: Record<string, unknown> = { ...rest, has_secret: typeof _s === 'string' };
  for (const key of [
    'extra_auth_methods',
    'grant_types',
    'redirect_uris',
    'post_logout_redirect_uris',
    'allowed_origins',
    'jwks',
    'tls_cert_sha256',
    'capabilities',
    'template_limits',
  ]) {
    if (typeof view[key] === 'string') view[key] = JSON.parse(view[key] as string);
  }
  return view;
}
