/**
 * @module haapi/flow/auth
 * What an authenticator establishes when a user authenticates: who, when, how (the `acr` and
 * RFC 8176 `amr` values the tokens carry).
 */
export interface FlowAuth {
  readonly subject: string;
  readonly authTime: number;
  readonly acr: string;
  readonly amr: readonly string[];
}
