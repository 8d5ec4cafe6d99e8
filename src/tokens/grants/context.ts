/**
 * @module tokens/grants/context
 * What every grant module receives: the authenticated client, the verified DPoP proof (if any),
 * the form, settings, keys and bindings, and `now`. Grants return the token response body.
 */
import type { HaapiFlow } from '../../../durable-objects/haapi-flow';
import type { AuthenticatedClient } from '../../clients/auth';
import type { Settings } from '../../config/settings';
import type { VerifiedProof } from '../dpop-proof';
import type { KeySet } from '../keys';

export interface GrantContext {
  readonly settings: Settings;
  readonly keys: KeySet;
  readonly db: D1Database;
  readonly flows: DurableObjectNamespace<HaapiFlow>;
  readonly form: ReadonlyMap<string, string>;
  readonly client: AuthenticatedClient;
  readonly dpop: VerifiedProof | null;
  readonly now: number;
}

export type GrantHandler = (context: GrantContext) => Promise<Record<string, unknown>>;
