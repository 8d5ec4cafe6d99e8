/**
 * @module errors/reasons
 * The internal reasons an OAuth error carries for the security log (never sent to the client),
 * one closed union per domain, so a new reason is a deliberate change the compiler checks.
 * Domains import their union from here (this module imports nothing), which keeps the error
 * types free of import cycles.
 */

/** Client authentication (clients/auth/). */
export type ClientAuthReason =
  | 'unknown_client'
  | 'client_disabled'
  | 'method_not_allowed'
  | 'bad_secret'
  | 'no_secret'
  | 'malformed_basic'
  | 'multiple_methods'
  | 'bad_assertion_type'
  | 'bad_assertion'
  | 'assertion_expired'
  | 'assertion_too_long'
  | 'assertion_bad_audience'
  | 'assertion_bad_issuer'
  | 'assertion_replayed'
  | 'no_jwks'
  | 'no_certificate'
  | 'certificate_not_verified'
  | 'certificate_revoked'
  | 'subject_mismatch'
  | 'issuer_mismatch'
  | 'fingerprint_mismatch'
  | 'public_client_with_credentials';

/** DPoP proofs (tokens/dpop-proof.ts). */
export type DpopReason =
  | 'multiple_headers'
  | 'malformed'
  | 'bad_typ'
  | 'bad_alg'
  | 'bad_signature'
  | 'private_jwk'
  | 'bad_htm'
  | 'bad_htu'
  | 'missing_nonce'
  | 'bad_nonce'
  | 'bad_iat'
  | 'bad_ath'
  | 'missing_jti'
  | 'replayed_jti';

/** Attestation challenges (attestation/challenge.ts). */
export type ChallengeProblem =
  | 'challenge_malformed'
  | 'challenge_expired'
  | 'challenge_invalid'
  | 'challenge_replayed';

/** Rate limits (routes/rate-limit.ts, clients/registration.ts): what was over its budget. */
export type RateLimitReason = `rate_limit_${'ip' | 'client'}`;

/** Dynamic client registration and its initial access token (clients/, routes/registration). */
export type RegistrationReason =
  | 'auth_method_not_offered'
  | 'keys_not_offered'
  | 'device_jwks_shape'
  | 'device_jwks_private'
  | 'device_jwks_type'
  | 'device_jwks_invalid'
  | 'device_jwks_method'
  | 'redirect_uri_not_in_template'
  | 'unknown_template'
  | 'template_requires_attestation'
  | 'wrong_registrar'
  | 'iat_replayed'
  | 'quota'
  | 'not_a_registrar'
  | 'no_iat'
  | 'no_rat'
  | 'bad_rat'
  | 'device_key_mismatch';

/** Grants, access tokens and the HAAPI's AAT (tokens/, haapi/caller.ts, routes/). */
export type TokenReason =
  | 'bad_code'
  | 'code_client_mismatch'
  | 'pkce_mismatch'
  | 'redirect_uri_mismatch'
  | 'code_dpop_mismatch'
  | 'code_replayed'
  | 'refresh_dpop_mismatch'
  | 'refresh_token_reused'
  | 'refresh_token_unknown_or_other_client'
  | 'family_expired'
  | 'family_revoked'
  | 'bad_refresh_token'
  | 'cal_too_low'
  | 'dpop_required'
  | 'dpop_key_not_attested'
  | 'attestation_required'
  | 'aat_as_bearer'
  | 'aat_unbound'
  | 'aat_without_dpop'
  | 'no_aat'
  | 'bad_token'
  | 'bound_token_as_bearer'
  | 'unbound_token_as_dpop'
  | 'jkt_mismatch'
  | 'x5t_mismatch'
  | 'malformed_authorization'
  | 'missing_dpop_proof'
  | 'not_a_user_token'
  | 'no_account'
  | 'no_client';

/** The admin API (routes/admin.ts). */
export type AdminReason = 'admin_token';

export type OAuthReason =
  | ClientAuthReason
  | DpopReason
  | ChallengeProblem
  | RateLimitReason
  | RegistrationReason
  | TokenReason
  | AdminReason;
