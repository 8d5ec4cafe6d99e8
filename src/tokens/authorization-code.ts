/**
 * @module tokens/authorization-code
 * Authorization codes live in the HaapiFlow object of the flow that issued them: the code is
 * `<flow id>.<secret>`, the object keeps only its SHA-256 and the grant, and being
 * single-threaded it hands the grant out once (RFC 6749 §4.1.2, §10.5; RFC 9700 §4.2.4).
 */
import type {
  CompleteResult,
  HaapiFlow,
  RedeemClaim,
  RedeemMismatch,
} from '../../durable-objects/haapi-flow';
import { sha256Base64Url } from '../crypto/digest';
import { randomToken } from '../crypto/random';
import { isGenuineFlowId } from '../haapi/flow/flow-id';
import type { AuthContext } from './auth-context';

/** What a code stands for: the authorization request and the authentication it ended with. */
export interface AuthorizationGrant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: readonly string[];
  /** null only for a DPoP-bound HAAPI code of a client with require_pkce off. */
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: 'S256';
  readonly nonce?: string;
  readonly auth: AuthContext;
  /** DPoP key thumbprint the code is bound to (HAAPI: the AAT's key), if any. */
  readonly dpopJkt?: string;
}

/** What a redemption issued, so that a replayed code can revoke it (RFC 6749 §4.1.2). */
export interface IssuedByCode {
  readonly familyId?: string;
  readonly accessJti: string;
  readonly accessExp: number;
}

export function flowStub(
  binding: DurableObjectNamespace<HaapiFlow>,
  flowId: string,
): DurableObjectStub<HaapiFlow> {
  return binding.get(binding.idFromName(flowId));
}

/**
 * Ends flow `flowId` (at `version`) with `completedState` and issues its code, in one call to the
 * flow's object: the code, or why not (another request moved the flow on, it is gone, or it
 * already has a code).
 */
export async function completeWithCode(
  binding: DurableObjectNamespace<HaapiFlow>,
  flow: { id: string; version: number; completedState: string },
  grant: AuthorizationGrant,
  ttlSeconds: number,
): Promise<{ code: string } | { refused: Exclude<CompleteResult, 'completed'> }> {
  const code = `${flow.id}.${randomToken(32)}`;
  const result = await flowStub(binding, flow.id).completeWithCode(
    flow.completedState,
    flow.version,
    await sha256Base64Url(code),
    JSON.stringify(grant),
    ttlSeconds,
  );
  return result === 'completed' ? { code } : { refused: result };
}

export type Redemption =
  | { status: 'ok'; grant: AuthorizationGrant }
  | { status: 'replayed'; issued: IssuedByCode | null }
  | { status: 'invalid' }
  | { status: 'mismatch'; reason: RedeemMismatch };

/**
 * Redeems `code` once. `issued` names what the redemption will issue; it is recorded with the
 * redemption, so a later replay of the code can revoke it (RFC 6749 §4.1.2).
 */
export async function redeemAuthorizationCode(
  binding: DurableObjectNamespace<HaapiFlow>,
  code: string,
  serverSecret: string,
  claim: RedeemClaim,
  issued: IssuedByCode,
): Promise<Redemption> {
  const dot = code.indexOf('.');
  const flowId = code.slice(0, dot);
  // A code whose flow id we did not mint never reaches (or creates) a Durable Object.
  if (dot < 0 || code.length > 200 || !(await isGenuineFlowId(serverSecret, flowId)))
    return { status: 'invalid' };
  const result = await flowStub(binding, flowId).redeemCode(
    await sha256Base64Url(code),
    claim,
    JSON.stringify(issued),
  );
  if (result.status === 'mismatch') return result;
  if (result.status === 'ok')
    return { status: 'ok', grant: JSON.parse(result.grant) as AuthorizationGrant };
  if (result.status === 'replayed') {
    return {
      status: 'replayed',
      issued: result.issued ? (JSON.parse(result.issued) as IssuedByCode) : null,
    };
  }
  return { status: 'invalid' };
}
