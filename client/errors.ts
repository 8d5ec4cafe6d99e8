/**
 * @module client/errors
 * What the server said no with: OAuth error JSON (RFC 6749 §5.2, RFC 6750, RFC 9449) or a HAAPI
 * problem (`application/problem+json`, docs/haapi-protocol.md §6), as typed errors.
 */

export class OAuthResponseError extends Error {
  override readonly name = 'OAuthResponseError';
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string | undefined,
  ) {
    super(`${status} ${error}${description ? `: ${description}` : ''}`);
  }
}

export interface Problem {
  type: string;
  title?: string;
  invalidFields?: { name: string; reason: string; detail?: string }[];
  messages?: { text: string; classList?: string[] }[];
  [member: string]: unknown;
}

export class HaapiProblemError extends Error {
  override readonly name = 'HaapiProblemError';
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${status} ${problem.type}${problem.title ? `: ${problem.title}` : ''}`);
  }
  /** The last path segment of the problem type (`incorrect-credentials`, …). */
  get kind(): string {
    return this.problem.type.split('/').pop() ?? this.problem.type;
  }
}

/** The JSON body of a successful response, or the matching error. */
export async function jsonOrThrow<T>(res: Response): Promise<T> {
  const type = (res.headers.get('Content-Type') ?? '').split(';')[0]?.trim();
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new OAuthResponseError(res.status, 'invalid_response', text.slice(0, 200));
  }
  if (type === 'application/problem+json') throw new HaapiProblemError(res.status, body as Problem);
  if (!res.ok) {
    const { error, error_description } = body as { error?: string; error_description?: string };
    throw new OAuthResponseError(res.status, error ?? 'unknown_error', error_description);
  }
  return body as T;
}
