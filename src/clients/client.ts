/**
 * @module clients/client
 * The client record (docs/design.md §2): what the token service needs to know about a client. Read
 * from D1 by storage/clients.ts; JSON columns are parsed and checked there.
 */
import type { JWK } from 'jose';

export const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface ClientCapabilities {
  /** Authorization code flow. */
  readonly code?: boolean;
  /** Hypermedia Authentication API. */
  readonly haapi?: boolean;
  /** HAAPI without attestation (DCR fallback templates, client-authenticated HAAPI). */
  readonly allowWithoutAttestation?: boolean;
  /**
   * Browser (HTML) logins for a client that is otherwise HAAPI-only (it has an attestation policy,
   * is a template or a dynamic client). Browser tokens prove nothing of the app: `cal: none`.
   */
  readonly browserFlow?: boolean;
  /** Introspection of every client's access tokens (a resource server); else only its own. */
  readonly introspection?: boolean;
  /** `private_key_jwt`: also accept the token endpoint URL as the assertion's `aud` (legacy). */
  readonly assertionAudienceEndpoint?: boolean;
  /**
   * Templates (copied to their dynamic clients): pin each dynamic client to the DPoP key it
   * registered with, or of its first AAT request (default true). Off, any DPoP key will do, for
   * SDKs that make a new key per session.
   */
  readonly pinDeviceKey?: boolean;
  /**
   * Templates: a device may register its own public key (`jwks`, one key) and authenticate with
   * `private_key_jwt` instead of getting a secret.
   */
  readonly deviceJwks?: boolean;
}

/** Template clients: what their dynamic clients may be (`template_limits` column). */
export interface TemplateLimits {
  readonly maxClients?: number;
  readonly idleSeconds?: number;
  readonly lifetimeSeconds?: number;
}

export interface Client {
  readonly clientId: string;
  readonly clientName: string | null;
  /** Shown on the sign-in pages: the client's logo, privacy policy and terms (https URLs). */
  readonly logoUri: string | null;
  readonly policyUri: string | null;
  readonly tosUri: string | null;
  readonly clientType: 'confidential' | 'public';
  /**
   * PKCE on every authorization request (default). Off: a native app's HAAPI flow, whose code is
   * bound to its DPoP key, may leave it out (Curity's `require_pkce`); browsers always need it.
   */
  readonly requirePkce: boolean;
  /**
   * A native app's HAAPI code is bound to the app's DPoP key (Curity's
   * `issue-token-bound-authorization-code`, on by default); off, PKCE is always required.
   */
  readonly tokenBoundCode: boolean;
  readonly isTemplate: boolean;
  readonly templateId: string | null;
  readonly secretHash: string | null;
  /** The registered method first, then any further methods the client may use. */
  readonly authMethods: readonly AuthMethod[];
  readonly grantTypes: readonly string[];
  readonly scopes: readonly string[];
  readonly redirectUris: readonly string[];
  /** Where the end-session endpoint may send the browser after a logout. */
  readonly postLogoutRedirectUris: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly jwks: { keys: JWK[] } | null;
  readonly tlsSubjectDn: string | null;
  readonly tlsIssuerDn: string | null;
  /** SHA-256 fingerprints (lower-case hex) of registered self-signed certificates. */
  readonly tlsCertSha256: readonly string[];
  readonly dpopRequired: boolean;
  readonly capabilities: ClientCapabilities;
  readonly attestationPolicy: string | null;
  readonly authenticateClientBy: string | null;
  readonly accessTokenTtl: number | null;
  readonly refreshTokenTtl: number | null;
  readonly disabled: boolean;
  /** The lowest `cal` this client's logins may have (null: any). */
  readonly minCal: 'by-policy' | 'by-provisioned-key' | 'none' | null;
  /** Dynamic clients: the `cal` of their registration, the credential and device key behind it. */
  readonly registrationCal: 'by-policy' | 'by-provisioned-key' | 'none' | null;
  readonly registeredBy: string | null;
  readonly deviceJkt: string | null;
  readonly templateLimits: TemplateLimits;
  readonly registrationAccessTokenHash: string | null;
  /** Dynamic clients: the secret before the last re-registration, accepted until the new is used. */
  readonly previousSecretHash?: string | null;
  /** Unix seconds; dynamic clients expire. */
  readonly expiresAt: number | null;
}

/** The id prefix of dynamic clients (RFC 7591), whose generated secrets are SHA-256 hashed. */
export const DYNAMIC_CLIENT_PREFIX = 'dyn-';

/**
 * A client whose logins must prove the app (attestation, or a dynamic client's device key): the
 * browser (HTML) flow cannot, so it is refused unless the client opts in with `browserFlow`.
 */
export function isHaapiOnly(client: Client): boolean {
  if (client.capabilities.browserFlow === true) return false;
  return client.attestationPolicy !== null || client.isTemplate || client.templateId !== null;
}

/** Whether the client may be used at `now` (not disabled, not expired, not a template). */
export function isUsable(client: Client, now: number): boolean {
  return (
    !client.disabled && !client.isTemplate && (client.expiresAt === null || client.expiresAt > now)
  );
}
