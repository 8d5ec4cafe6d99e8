/**
 * @module errors/problem
 * HAAPI problems (docs/haapi-protocol.md §6): `application/problem+json` documents with `type`,
 * `title` and the HAAPI members (`invalidFields`, `messages`, `links`, ...). Curity's problem type
 * URIs are kept so that HAAPI clients and SDKs recognise them.
 */

export const PROBLEM_BASE = 'https://curity.se/problems/';

export type HaapiProblemType =
  | 'invalid-input'
  | 'incorrect-credentials'
  | 'authentication-failed'
  | 'too-many-attempts'
  | 'generic-user-error'
  | 'unexpected'
  | 'mismatch-between-session-and-access-token'
  | 'error-authorization-response';

export interface InvalidField {
  name: string;
  reason: 'missing' | 'invalidValue';
  detail?: string;
}

/** Members beyond `type` and `title`: flat, JSON-serialisable. */
export type ProblemMembers = Readonly<Record<string, unknown>>;

export class HaapiProblem extends Error {
  override readonly name = 'HaapiProblem';

  constructor(
    /** A HAAPI problem name, or a full type URI (`about:blank` for plain HTTP problems). */
    readonly type: HaapiProblemType | `${string}:${string}`,
    readonly title: string,
    readonly status: number,
    readonly members: ProblemMembers = {},
    readonly reason?: string,
  ) {
    super(title);
  }

  get typeUri(): string {
    return this.type.includes(':') ? this.type : `${PROBLEM_BASE}${this.type}`;
  }

  toJSON(): Record<string, unknown> {
    return { type: this.typeUri, title: this.title, ...this.members };
  }
}
