/**
 * @module errors/authorize-error
 * An authorization error (RFC 6749 §4.1.2.1). Thrown by the authorization and authentication
 * routes; the error boundary (errors/respond.ts) picks its shape: before the client and its
 * redirect URI are trusted it is shown (a HAAPI problem, or an HTML page), never redirected;
 * after, it goes back to the redirect URI (a 303 for browsers, an `error-authorization-response`
 * problem with the `authorization-response` link for HAAPI callers).
 */
import type { AuthorizeProblem } from '../haapi/flow/authorize-request';

export class AuthorizeError extends Error {
  override readonly name = 'AuthorizeError';
  constructor(readonly problem: AuthorizeProblem) {
    super(problem.description);
  }
}
