/**
 * @module tokens/grants
 * The token endpoint's grant types, one module each, keyed by `grant_type` (RFC 6749 §4). The
 * token route looks the grant up here; a grant_type not listed is `unsupported_grant_type`.
 * Discovery's `grant_types_supported` is generated from the same list.
 */
import type { Settings } from '../../config/settings';

export interface GrantContext {
  readonly settings: Settings;
  readonly env: Env;
  readonly request: Request;
  readonly form: ReadonlyMap<string, string>;
  readonly now: number;
}

export interface GrantResult {
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

export type GrantHandler = (context: GrantContext) => Promise<GrantResult>;

export const grants: Readonly<Record<string, GrantHandler>> = Object.freeze({});

export function supportedGrantTypes(): string[] {
  return Object.keys(grants);
}
