/**
 * @module errors/request-error
 * A failure that is not specific to OAuth or HAAPI (unknown route, body too large, unreadable
 * body, method not allowed). The boundary renders it in the shape of the route group it happened
 * in: OAuth error JSON (`invalid_request`) on OAuth endpoints, an RFC 9457 problem elsewhere.
 */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}
