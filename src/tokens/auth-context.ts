/**
 * @module tokens/auth-context
 * What is known about how the subject authenticated and how far the client is trusted: carried
 * from the login flow through the authorization code and the refresh-token family into tokens.
 */

/** Client assurance level (project-defined claim `cal`, docs/design.md; docs/haapi-protocol.md §8). */
export type ClientAssuranceLevel = 'by-policy' | 'by-provisioned-key' | 'none';

export interface AuthContext {
  readonly subject: string;
  /** Unix seconds of the user's authentication (absent for client_credentials). */
  readonly authTime?: number;
  readonly acr?: string;
  readonly amr?: readonly string[];
  readonly cal?: ClientAssuranceLevel;
}
