/**
 * @module tokens/grants/context
 * What every grant module receives: the authenticated client, the verified DPoP proof (if any),
 * the form, settings, keys and bindings, and `now`. Grants return the token response body.
 */

import type { HaapiFlow } from '../../../durable-objects/haapi-flow';
import type { ReplayGuard } from '../../../durable-objects/replay-guard';
import type { AuthenticatedClient } from '../../clients/auth';
import type { Settings } from '../../config/settings';
import type { Db } from '../../storage/db';
import type { FamilyStore } from '../../storage/refresh-families';
import type { VerifiedProof } from '../dpop-proof';
import type { KeySet } from '../keys';

export interface GrantContext {
  readonly settings: Settings;
  readonly keys: KeySet;
  readonly db: Db;
  /** The D1 primary, for reads that must see every earlier write (storage/db.ts). */
  readonly primary: Db;
  readonly flows: DurableObjectNamespace<HaapiFlow>;
  readonly replayGuard: DurableObjectNamespace<ReplayGuard>;
  readonly form: ReadonlyMap<string, string>;
  readonly client: AuthenticatedClient;
  readonly dpop: VerifiedProof | null;
  readonly now: number;
  /** The Cloudflare location serving the request (values issued here name its objects). */
  readonly location?: string;
  /** Work that need not finish before the response (bookkeeping writes): ctx.waitUntil. */
  readonly defer: (work: Promise<unknown>) => void;
}

/** Where this grant's refresh-token families are kept. */
export function familyStore(context: GrantContext): FamilyStore {
  return { guard: context.replayGuard, db: context.primary, defer: context.defer };
}

export type GrantHandler = (context: GrantContext) => Promise<Record<string, unknown>>;
