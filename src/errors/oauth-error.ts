/**
 * @module errors/oauth-error
 * Errors of OAuth endpoints, rendered as RFC 6749 §5.2 / RFC 7591 §3.2.2 error JSON
 * (`error`, `error_description`). Each carries the HTTP status, the closed error code, a default
 * description and optional response headers (`WWW-Authenticate`, `DPoP-Nonce`).
 */
import type { OAuthReason } from './reasons';

export type { OAuthReason };

/** Error codes of RFC 6749, 6750, 7591, 9449 (and RFC 8707's invalid_target). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'invalid_client_metadata'
  | 'invalid_redirect_uri'
  | 'invalid_software_statement'
  | 'unapproved_software_statement'
  | 'slow_down';

const defaultStatus: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  unsupported_response_type: 400,
  unsupported_token_type: 400,
  server_error: 500,
  temporarily_unavailable: 503,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
  invalid_client_metadata: 400,
  invalid_redirect_uri: 400,
  invalid_software_statement: 400,
  unapproved_software_statement: 400,
  slow_down: 429,
};

export interface OAuthErrorOptions {
  status?: number;
  headers?: Record<string, string>;
  /** Internal reason for the security log; never sent to the client. */
  reason?: OAuthReason;
  cause?: unknown;
}

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly reason: OAuthReason | undefined;

  readonly description: string;

  constructor(
    readonly error: OAuthErrorCode,
    description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(description, { cause: options.cause });
    this.description = errorDescription(description);
    this.status = options.status ?? defaultStatus[error];
    this.headers = options.headers ?? {};
    this.reason = options.reason;
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/**
 * `error_description` within RFC 6749's charset (%x20-21 / %x23-5B / %x5D-7E): whatever a
 * description holds, nothing outside printable ASCII (no bidi controls, no quotes or
 * backslashes that would break a header) reaches a response or a redirect.
 */
export function errorDescription(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?').slice(0, 300);
}
