/**
 * @module config/definitions
 * Every setting edge-haapi reads from the Worker's vars and secrets, documented once, here. The
 * settings table of docs/configuration.md is generated from this list (test/node/readme-settings.test.ts keeps it
 * current). Vars can be edited in the Cloudflare dashboard; secrets are set with
 * `wrangler secret put` (locally they come from `.dev.vars`).
 */

import { parsePolicies } from '../attestation/policies';
import { parseAppLinkPaths, parseAssociation } from '../discovery/app-association';
import { parseAuthenticators } from '../haapi/authenticators/config';
import { parseMessageOverrides } from '../haapi/messages/catalog';
import { parseScopeMinCal } from '../tokens/assurance';
import { DEFAULT_CLAIMS_MAPPING, parseClaimsMapping } from '../tokens/claims-mapping';
import { parseTheme } from '../ui/theme';
import { parseWebauthnOptions } from '../webauthn/settings';
import {
  boolean,
  integer,
  issuerUrl,
  jsonObject,
  oneOf,
  optionalSecret,
  optionalUrl,
  origins,
  type Parser,
  path,
  pemBundle,
  secretBytes,
  text,
} from './parsers';

export interface SettingDefinition<T> {
  /** The Worker var or secret name. */
  readonly name: string;
  readonly kind: 'var' | 'secret';
  /** Human-readable type for the docs. */
  readonly type: string;
  /** Raw default; `undefined` means required. */
  readonly default?: string;
  readonly description: string;
  readonly parse: Parser<T>;
}

function define<T>(definition: SettingDefinition<T>): SettingDefinition<T> {
  return definition;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

export const definitions = {
  environment: define({
    name: 'ENVIRONMENT',
    kind: 'var',
    type: '`production` \\| `development`',
    default: 'production',
    description:
      'In `production` the issuer must use https and development-only features (development attestation roots, demo warnings) are off.',
    parse: oneOf('production', 'development'),
  }),
  issuer: define({
    name: 'ISSUER',
    kind: 'var',
    type: 'URL',
    description:
      'The issuer identifier (RFC 8414 §2): the public base URL of this server, no trailing slash. Endpoints are published under it.',
    parse: issuerUrl,
  }),
  authorizationPath: define({
    name: 'AUTHORIZATION_PATH',
    kind: 'var',
    type: 'path',
    default: '/oauth/v2/oauth-authorize',
    description: 'Path of the authorization endpoint (HTML and HAAPI modes).',
    parse: path,
  }),
  tokenPath: define({
    name: 'TOKEN_PATH',
    kind: 'var',
    type: 'path',
    default: '/oauth/v2/oauth-token',
    description: 'Path of the token endpoint; the CAT endpoint is this path plus `/cat`.',
    parse: path,
  }),
  jwksPath: define({
    name: 'JWKS_PATH',
    kind: 'var',
    type: 'path',
    default: '/oauth/v2/jwks',
    description: 'Path of the public JWK set.',
    parse: path,
  }),
  registrationPath: define({
    name: 'REGISTRATION_PATH',
    kind: 'var',
    type: 'path',
    default: '/oauth/v2/oauth-registration',
    description: 'Path of the dynamic client registration endpoint (RFC 7591).',
    parse: path,
  }),
  introspectionPath: define({
    name: 'INTROSPECTION_PATH',
    kind: 'var',
    type: 'path',
    default: '/oauth/v2/oauth-introspect',
    description: 'Path of the introspection endpoint (RFC 7662).',
    parse: path,
  }),
  revocationPath: define({
    name: 'REVOCATION_PATH',
    kind: 'var',
    type: 'path',
    default: '/oauth/v2/oauth-revoke',
    description: 'Path of the revocation endpoint (RFC 7009).',
    parse: path,
  }),
  endSessionPath: define({
    name: 'END_SESSION_PATH',
    kind: 'var',
    type: 'path',
    default: '/oauth/v2/oauth-session/logout',
    description:
      'Path of the end-session endpoint (OpenID Connect RP-Initiated Logout 1.0): ends the browser single sign-on session.',
    parse: path,
  }),
  userinfoPath: define({
    name: 'USERINFO_PATH',
    kind: 'var',
    type: 'path',
    default: '/oauth/v2/oauth-userinfo',
    description: 'Path of the OpenID Connect userinfo endpoint.',
    parse: path,
  }),
  authnPath: define({
    name: 'AUTHN_PATH',
    kind: 'var',
    type: 'path',
    default: '/authn',
    description: 'Prefix of the login flow step URLs (`<prefix>/<flow id>/...`).',
    parse: path,
  }),
  accessTokenTtl: define({
    name: 'ACCESS_TOKEN_TTL',
    kind: 'var',
    type: 'seconds',
    default: '300',
    description: 'Lifetime of access tokens, unless a client sets its own.',
    parse: integer(10, DAY),
  }),
  refreshTokenTtl: define({
    name: 'REFRESH_TOKEN_TTL',
    kind: 'var',
    type: 'seconds',
    default: String(30 * DAY),
    description: 'Absolute lifetime of a refresh-token family, unless a client sets its own.',
    parse: integer(60, 365 * DAY),
  }),
  refreshTokenGrace: define({
    name: 'REFRESH_TOKEN_GRACE',
    kind: 'var',
    type: 'seconds',
    default: '30',
    description:
      'Window after a rotation in which a retry with the previous refresh token gets the same answer instead of revoking the family.',
    parse: integer(0, 300),
  }),
  idTokenTtl: define({
    name: 'ID_TOKEN_TTL',
    kind: 'var',
    type: 'seconds',
    default: String(HOUR),
    description: 'Lifetime of ID tokens.',
    parse: integer(10, DAY),
  }),
  authorizationCodeTtl: define({
    name: 'AUTHORIZATION_CODE_TTL',
    kind: 'var',
    type: 'seconds',
    default: '60',
    description: 'Lifetime of authorization codes (single use).',
    parse: integer(5, 600),
  }),
  flowTtl: define({
    name: 'FLOW_TTL',
    kind: 'var',
    type: 'seconds',
    default: '900',
    description: 'How long a login flow (one HaapiFlow object) lives before its alarm deletes it.',
    parse: integer(60, DAY),
  }),
  ssoSessionTtl: define({
    name: 'SSO_SESSION_TTL',
    kind: 'var',
    type: 'seconds',
    default: '28800',
    description:
      'How long a browser single sign-on session lasts after its login (a cookie bound to a server-side session object): a later authorization request in the same browser completes without a prompt unless it asks for `prompt=login`, a `max_age` the session is older than, or an `acr_values` the session did not meet. HAAPI flows never use it. 0 turns single sign-on off.',
    parse: integer(0, 30 * DAY),
  }),
  haapiAccessTokenTtl: define({
    name: 'HAAPI_ACCESS_TOKEN_TTL',
    kind: 'var',
    type: 'seconds',
    default: '600',
    description: 'Lifetime of the HAAPI authentication access token (AAT, scope `haapi`).',
    parse: integer(30, DAY),
  }),
  corsOrigins: define({
    name: 'CORS_ORIGINS',
    kind: 'var',
    type: 'origin list',
    default: '',
    description:
      "Origins (comma or space separated) allowed to call the server from a browser in addition to each client's own allowed origins.",
    parse: origins,
  }),
  maxBodyBytes: define({
    name: 'MAX_BODY_BYTES',
    kind: 'var',
    type: 'bytes',
    default: '65536',
    description: 'Largest request body accepted; larger ones get 413.',
    parse: integer(1024, 1024 * 1024),
  }),
  attestationChallengeTtl: define({
    name: 'ATTESTATION_CHALLENGE_TTL',
    kind: 'var',
    type: 'seconds',
    default: '120',
    description:
      'How long an attestation challenge (GET `<token path>/cat`) may be answered; each is single use.',
    parse: integer(10, 900),
  }),
  catTtl: define({
    name: 'CAT_TTL',
    kind: 'var',
    type: 'seconds',
    default: '120',
    description:
      'Lifetime of a client attestation token (CAT); each is single use at the token endpoint.',
    parse: integer(10, 900),
  }),
  attestationStatusUrl: define({
    name: 'ATTESTATION_STATUS_URL',
    kind: 'var',
    type: 'URL or empty',
    default: 'https://android.googleapis.com/attestation/status',
    description:
      "Google's Android attestation certificate status list, fetched by the Cron trigger into D1; a chain with a REVOKED or SUSPENDED serial fails. Empty: no refresh (the D1 table can still be filled by hand).",
    parse: optionalUrl,
  }),
  webauthnMetadataUrl: define({
    name: 'WEBAUTHN_METADATA_URL',
    kind: 'var',
    type: 'URL or empty',
    default: 'https://mds3.fidoalliance.org/',
    description:
      'The FIDO Metadata Service (MDS3) blob, fetched by the Cron trigger into D1 when its signature chains to WEBAUTHN_METADATA_ROOT and its serial number is newer than the stored one (otherwise the stored one stays, and the refusal is logged). WebAuthn authenticators with `requireTrustedAttestation` trust the roots it lists per AAGUID; device lists show its model names. Empty: no refresh.',
    parse: optionalUrl,
  }),
  webauthnMetadataRoot: define({
    name: 'WEBAUTHN_METADATA_ROOT',
    kind: 'var',
    type: 'PEM certificates',
    default: '',
    description:
      "The roots a metadata blob's signing chain must reach. Empty: the FIDO Alliance's MDS root as @simplewebauthn/server ships it (GlobalSign Root CA - R3).",
    parse: pemBundle,
  }),
  initialAccessTokenTtl: define({
    name: 'INITIAL_ACCESS_TOKEN_TTL',
    kind: 'var',
    type: 'seconds',
    default: '120',
    description:
      'Lifetime of the one-use initial access token (scope `dcr`) that lets a device register a dynamic client.',
    parse: integer(10, 3600),
  }),
  registrationsPerIp: define({
    name: 'DCR_REGISTRATIONS_PER_IP',
    kind: 'var',
    type: 'count per minute',
    default: '30',
    description:
      'Dynamic client registrations one IP may make per minute; more get 429 with Retry-After.',
    parse: integer(1, 100000),
  }),
  registrationsPerClient: define({
    name: 'DCR_REGISTRATIONS_PER_CLIENT',
    kind: 'var',
    type: 'count per minute',
    default: '600',
    description:
      'Dynamic client registrations per minute authorised by one main client (or one of its device credentials).',
    parse: integer(1, 1000000),
  }),
  scopeMinCal: define({
    name: 'SCOPE_MIN_CAL',
    kind: 'var',
    type: 'JSON object',
    default: '{}',
    description:
      'Scopes that need a minimum client assurance level, e.g. `{"payments": "by-provisioned-key"}`: a login asking for such a scope from a less assured client (by its AAT `cal`) is refused with `access_denied`, and so is any grant (`client_credentials`, code, refresh) whose tokens would carry a lower `cal` (`invalid_scope`). Clients can also set `min_cal`.',
    parse: parseScopeMinCal,
  }),
  clientCacheTtl: define({
    name: 'CLIENT_CACHE_TTL',
    kind: 'var',
    type: 'seconds',
    default: '30',
    description:
      'How long a Worker isolate keeps a client record read from D1 before reading it again (0: no cache). An edit or a deletion in D1 takes effect after at most this long.',
    parse: integer(0, 600),
  }),
  dpopNonceRequired: define({
    name: 'DPOP_NONCE_REQUIRED',
    kind: 'var',
    type: 'boolean',
    default: 'true',
    description:
      'Require a server-provided `nonce` in DPoP proofs (RFC 9449 §8, §9): a proof without a current nonce gets `use_dpop_nonce` and a `DPoP-Nonce` header to retry with.',
    parse: boolean,
  }),
  dpopNonceLifetime: define({
    name: 'DPOP_NONCE_LIFETIME',
    kind: 'var',
    type: 'seconds',
    default: '300',
    description:
      'A DPoP nonce is valid in the period it was issued in and the next one; each period is this long.',
    parse: integer(30, 3600),
  }),
  dpopMaxAge: define({
    name: 'DPOP_PROOF_MAX_AGE',
    kind: 'var',
    type: 'seconds',
    default: '120',
    description:
      'How far a DPoP proof `iat` may be in the past (and a fifth of it in the future, for clock skew).',
    parse: integer(5, 600),
  }),
  clientAssertionMaxLifetime: define({
    name: 'CLIENT_ASSERTION_MAX_LIFETIME',
    kind: 'var',
    type: 'seconds',
    default: '300',
    description: 'Longest `exp` ahead of now that a private_key_jwt client assertion may have.',
    parse: integer(10, 3600),
  }),
  authenticators: define({
    name: 'AUTHENTICATORS',
    kind: 'var',
    type: 'JSON array',
    default: '[{"id":"pw","type":"password","registration":true}]',
    description:
      "The authenticators of the login flow, in order: `id` (used in URLs), `type` (`password` or `webauthn`), and per type options (password: `registration`; webauthn: `mode`, `allowPlatformDevices`, `allowRegistrationDuringLogin`, `prerequisiteAuthenticator`, `askToRegisterAdditionalPlatformDevice`, `platformDeviceCookieName`, `accountManager`, `attestation`, `allowedAaguids`, `requireTrustedAttestation`; and `title`, the selector's text; see docs/reference.md). With more than one, the user picks.",
    parse: parseAuthenticators,
  }),
  tokenRequestsPerIp: define({
    name: 'TOKEN_REQUESTS_PER_IP',
    kind: 'var',
    type: 'count per minute',
    default: '1200',
    description:
      'Token endpoint requests one client IP may make per minute (checked before client authentication); more get `429 slow_down` with Retry-After. Mobile carriers put many devices behind one address (CGNAT): keep it generous. 0: no limit.',
    parse: integer(0, 1_000_000),
  }),
  tokenRequestsPerClient: define({
    name: 'TOKEN_REQUESTS_PER_CLIENT',
    kind: 'var',
    type: 'count per minute',
    default: '3000',
    description:
      "Token endpoint requests one authenticated client may make per minute (counted after authentication, so no one can spend another client's budget). 0: no limit.",
    parse: integer(0, 10_000_000),
  }),
  catRequestsPerIp: define({
    name: 'CAT_REQUESTS_PER_IP',
    kind: 'var',
    type: 'count per minute',
    default: '600',
    description:
      'Attestation challenge and CAT requests one client IP may make per minute (verifying attestations is the costliest work we do; mind CGNAT, as above). 0: no limit.',
    parse: integer(0, 1_000_000),
  }),
  catRequestsPerClient: define({
    name: 'CAT_REQUESTS_PER_CLIENT',
    kind: 'var',
    type: 'count per minute',
    default: '6000',
    description:
      "Attestations (CAT requests) per minute for one attesting client, across all devices: a ceiling on verification work. Set it well above the app's peak of new sign-ins. 0: no limit.",
    parse: integer(0, 10_000_000),
  }),
  maxFailedLogins: define({
    name: 'MAX_FAILED_LOGINS',
    kind: 'var',
    type: 'count',
    default: '5',
    description:
      'Failed password logins in a row after which the username is locked for LOCKOUT_SECONDS (unknown usernames alike); attempts are counted before the password is checked.',
    parse: integer(1, 100),
  }),
  lockoutSeconds: define({
    name: 'LOCKOUT_SECONDS',
    kind: 'var',
    type: 'seconds',
    default: '900',
    description:
      'How long a username stays locked after MAX_FAILED_LOGINS failures (and how long a failure is remembered).',
    parse: integer(1, 86400),
  }),
  loginAttemptsPerIp: define({
    name: 'LOGIN_ATTEMPTS_PER_IP',
    kind: 'var',
    type: 'count per 5 minutes',
    default: '50',
    description:
      'Password attempts one client IP may make in 5 minutes before getting `too-many-attempts`.',
    parse: integer(1, 100000),
  }),
  flowsPerIp: define({
    name: 'FLOWS_PER_IP',
    kind: 'var',
    type: 'count per minute',
    default: '120',
    description:
      'Browser (HTML) logins one client IP may start in a minute (each keeps a flow object for FLOW_TTL); over it, `slow_down`. HAAPI flows need an AAT and are limited at the token endpoint. 0 turns the limit off.',
    parse: integer(0, 1000000),
  }),
  accountCreationsPerIp: define({
    name: 'ACCOUNT_CREATIONS_PER_IP',
    kind: 'var',
    type: 'count per hour',
    default: '20',
    description:
      'Account registrations one client IP may attempt in an hour (successful or not, so "username taken" cannot be used to list accounts quickly); over it, `too-many-attempts`. 0 turns the limit off.',
    parse: integer(0, 1000000),
  }),
  attestation: define({
    name: 'ATTESTATION',
    kind: 'var',
    type: 'JSON object',
    default: '{}',
    description:
      'Attestation policies by id, as a JSON object (see docs/reference.md, "Attestation policies"): platform `android`, `ios` or `web`, mode `production` or `non-production`, and the app identities (package names and signing digests; team id and bundle ids).',
    parse: (raw, name) => parsePolicies(jsonObject(raw, name), name),
  }),
  webauthn: define({
    name: 'WEBAUTHN',
    kind: 'var',
    type: 'JSON object',
    default: '{}',
    description:
      'The WebAuthn relying party (see docs/reference.md, "WebAuthn and passkeys"): `rpId` (default: the issuer host), `rpName`, `origins` (default: the issuer origin), `androidOrigins` (default true: `android:apk-key-hash:` origins from the Android policies\' signing digests), `timeoutSeconds` (300), `userGesture` (`safari`: only Safari waits for a button press before a ceremony; `always`; `never`).',
    parse: (raw, name) => parseWebauthnOptions(jsonObject(raw, name), name),
  }),
  theme: define({
    name: 'THEME',
    kind: 'var',
    type: 'JSON object',
    default: '{}',
    description:
      "The sign-in pages' branding (see docs/configuration.md, \"Pages and branding\"): `productName` (shown in each page's header and title; default edge-haapi), `logoUrl` (an https URL or a path here), `colors` (any of `primary`, `primaryText`, `background`, `surface`, `text`, `muted`, `border`, `error`, `focus`: #rgb, #rrggbb or a colour name), `stylesheetUrl` (loaded after the default stylesheet; its origin is added to the pages' CSP) and `css` (inline CSS after that). Unknown keys are refused.",
    parse: parseTheme,
  }),
  messages: define({
    name: 'MESSAGES',
    kind: 'var',
    type: 'JSON object',
    default: '{}',
    description:
      'Texts that replace the built-in ones, per locale: `{"en": {"login.heading": "Welcome back"}, "sv": {...}}`. The keys are those of src/haapi/messages/catalog.ts; unknown locales and keys are refused. They apply to the HAAPI representations and the HTML pages alike.',
    parse: parseMessageOverrides,
  }),
  devAttestationRoots: define({
    name: 'DEV_ATTESTATION_ROOTS',
    kind: 'var',
    type: 'PEM certificates',
    default: '',
    description:
      'DEVELOPMENT ONLY (refused in production): extra trust anchors for every non-production Android and iOS attestation policy, so locally minted development attestations verify. `npm start` generates a development Android root and App Attest root into `.dev.vars` (keys in `.local/`).',
    parse: pemBundle,
  }),
  devClientCertificateHeader: define({
    name: 'DEV_CLIENT_CERTIFICATE_HEADER',
    kind: 'var',
    type: 'boolean',
    default: 'false',
    description:
      'DEVELOPMENT ONLY (refused in production): `wrangler dev` has no mTLS, so when true a client may present its certificate as base64 DER in `X-Dev-Client-Certificate`; it stands in for `request.cf.tlsClientAuth` (verified against DEV_MTLS_CA). `npm start` turns it on locally.',
    parse: boolean,
  }),
  devMtlsCa: define({
    name: 'DEV_MTLS_CA',
    kind: 'var',
    type: 'PEM certificates',
    default: '',
    description:
      "DEVELOPMENT ONLY: the CA certificates that `X-Dev-Client-Certificate` certificates must chain to for `certVerified = SUCCESS` (what the zone's mTLS CA is on Cloudflare).",
    parse: pemBundle,
  }),
  appleAppSiteAssociation: define({
    name: 'APPLE_APP_SITE_ASSOCIATION',
    kind: 'var',
    type: '`generated`, `disabled` or JSON',
    default: 'generated',
    description:
      '/.well-known/apple-app-site-association: `generated` from the iOS attestation policies (webcredentials and applinks app ids), `disabled` (404), or a JSON document served as it is.',
    parse: parseAssociation,
  }),
  androidAssetLinks: define({
    name: 'ANDROID_ASSET_LINKS',
    kind: 'var',
    type: '`generated`, `disabled` or JSON',
    default: 'generated',
    description:
      '/.well-known/assetlinks.json: `generated` from the Android attestation policies (package names and signing-certificate SHA-256 fingerprints; packages without a digest are left out), `disabled` (404), or a JSON document served as it is.',
    parse: parseAssociation,
  }),
  appLinkPaths: define({
    name: 'APP_LINK_PATHS',
    kind: 'var',
    type: 'JSON array of paths',
    default: '[]',
    description:
      'The paths the generated apple-app-site-association claims for the iOS apps as universal links (`applinks` components), e.g. `["/app/callback/*"]`. Empty: none, the server\'s pages stay in the browser.',
    parse: parseAppLinkPaths,
  }),
  signingKeys: define({
    name: 'SIGNING_KEYS',
    kind: 'secret',
    type: 'JWK set (JSON)',
    description:
      'Private signing keys as `{"keys":[...]}` (ES256, and RS256/PS256/EdDSA if wanted), each with `kid` and `alg`. The first key signs; the others stay in the JWKS for verification. `npm start` generates one into `.dev.vars`.',
    parse: text,
  }),
  serverSecret: define({
    name: 'SERVER_SECRET',
    kind: 'secret',
    type: 'base64url, ≥ 32 bytes',
    description:
      'Key material from which the server derives (HKDF) one key per purpose: DPoP nonces, refresh tokens, flow ids and sessions, attestation challenges, initial access tokens (HS256). Changing it invalidates refresh tokens, logins and sessions in progress, outstanding nonces, challenges and initial access tokens. `npm start` generates one into `.dev.vars`.',
    parse: secretBytes(32),
  }),
  claims: define({
    name: 'CLAIMS',
    kind: 'var',
    type: 'JSON object',
    default: DEFAULT_CLAIMS_MAPPING,
    description:
      'Which claims tokens carry, per scope: `{"access_token": {"<scope>": ["cal", ...]}, "id_token": {...}}`. `auth_time`, `acr`, `amr` and `cal` come from the login, other names from the account attributes. The default releases `auth_time`, `acr`, `amr`, `cal` for `openid`, `cal` in the AAT, and profile/email claims in ID tokens.',
    parse: parseClaimsMapping,
  }),
  passwordPepper: define({
    name: 'PASSWORD_PEPPER',
    kind: 'secret',
    type: 'string, ≥ 32 characters, or empty',
    default: '',
    description:
      'Optional secret mixed into every password hash (HMAC before PBKDF2), so that a copy of D1 alone cannot be attacked offline. Set it before accounts are created; existing hashes are upgraded at their next login. Changing it invalidates peppered passwords.',
    parse: optionalSecret(32),
  }),
  adminToken: define({
    name: 'ADMIN_TOKEN',
    kind: 'secret',
    type: 'string, ≥ 32 characters, or empty',
    default: '',
    description:
      'Bearer token of the admin HTTP API (`/admin/...`: clients, templates, accounts, devices). Empty: the admin API is off (404). Alternatively put the path behind Cloudflare Access.',
    parse: optionalSecret(32),
  }),
  debugLoginAttributes: define({
    name: 'DEBUG_LOGIN_ATTRIBUTES',
    kind: 'var',
    type: 'boolean',
    default: 'false',
    description:
      'Development only: after authentication, show a step listing the collected attributes (subject, acr, amr, auth_time, cal) before the flow completes. Refused when ENVIRONMENT is production.',
    parse: boolean,
  }),
} as const;

export type Definitions = typeof definitions;
