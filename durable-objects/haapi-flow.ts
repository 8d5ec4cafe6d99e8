/**
 * @module durable-objects/haapi-flow
 * HaapiFlow: the state of one login flow, one object per flow, named by the flow id. The object
 * is single-threaded, so the steps of a flow are serialised and a value taken from it (the
 * authorization code) can be taken once only. The flow's protocol logic lives in src/haapi/; this
 * class only keeps the state, versions it and expires it.
 *
 * Storage layout (SQLite-backed object, synchronous key-value API):
 *   `state`      string  -- the flow state as JSON (schema owned by src/haapi/flow/)
 *   `version`    number  -- incremented by every update; updates name the version they read
 *   `expires_at` number  -- Unix ms; after it the flow reads as absent
 *   `code`       object  -- the authorization code issued at the end of the flow:
 *                           { hash, grant (JSON), expiresAt, redeemed, issued (JSON or null) }
 *   `keep_until` number  -- Unix ms; the code record is kept this long (to detect replays)
 * An alarm set at `expires_at` re-arms itself for `keep_until` when a code was stored, and then
 * deletes everything (key-value rows only, so deleteAll() is safe here).
 */
import { DurableObject } from 'cloudflare:workers';

export interface FlowSnapshot {
  state: string;
  version: number;
  expiresAt: number;
}

export type UpdateResult =
  | { ok: true; version: number }
  | { ok: false; reason: 'absent' | 'conflict' };

export type CompleteResult = 'completed' | 'absent' | 'conflict' | 'code-exists';

export type RedeemResult =
  | { status: 'ok'; grant: string }
  | { status: 'replayed'; issued: string | null }
  | { status: 'invalid' }
  | { status: 'mismatch'; reason: RedeemMismatch };

/** Who is redeeming: checked against the code's grant before the code is used up. */
export interface RedeemClaim {
  readonly clientId: string;
  readonly redirectUri: string | null;
  /** BASE64URL(SHA-256(code_verifier)) (RFC 7636 §4.6, S256); null when no verifier was sent. */
  readonly challengeOfVerifier: string | null;
  /** The thumbprint of the request's DPoP key, if it has a proof. */
  readonly dpopJkt: string | null;
}

export type RedeemMismatch =
  | 'code_client_mismatch'
  | 'redirect_uri_mismatch'
  | 'pkce_mismatch'
  | 'code_dpop_mismatch';

/** The grant fields a redemption is checked against (tokens/authorization-code.ts). */
interface GrantBinding {
  clientId: string;
  redirectUri: string;
  /** null: the authorization request had no PKCE (a client without require_pkce, DPoP-bound). */
  codeChallenge: string | null;
  dpopJkt?: string;
}

function mismatchOf(grant: GrantBinding, claim: RedeemClaim): RedeemMismatch | null {
  if (grant.clientId !== claim.clientId) return 'code_client_mismatch';
  if (grant.redirectUri !== claim.redirectUri) return 'redirect_uri_mismatch';
  // A code without a challenge takes no verifier either (no PKCE downgrade, either way).
  if ((grant.codeChallenge ?? null) !== claim.challengeOfVerifier) return 'pkce_mismatch';
  if (grant.dpopJkt && grant.dpopJkt !== claim.dpopJkt) return 'code_dpop_mismatch';
  return null;
}

interface CodeRecord {
  hash: string;
  grant: string;
  expiresAt: number;
  redeemed: boolean;
  issued: string | null;
}

/** How long a redeemed code is remembered, so that a replay can revoke what it issued. */
const CODE_KEEP_MS = 10 * 60 * 1000;

export class HaapiFlow extends DurableObject<Env> {
  private live(): FlowSnapshot | null {
    const kv = this.ctx.storage.kv;
    const expiresAt = kv.get<number>('expires_at');
    if (expiresAt === undefined || expiresAt <= Date.now()) return null;
    const state = kv.get<string>('state');
    const version = kv.get<number>('version');
    if (state === undefined || version === undefined) return null;
    return { state, version, expiresAt };
  }

  /** Starts the flow; false if this object already holds a live flow (an id collision). */
  async create(state: string, ttlSeconds: number): Promise<boolean> {
    if (this.live()) return false;
    const expiresAt = Date.now() + Math.ceil(ttlSeconds * 1000);
    const kv = this.ctx.storage.kv;
    kv.put('state', state);
    kv.put('version', 1);
    kv.put('expires_at', expiresAt);
    // A new flow: whatever an earlier alarm of this id was for, alarm() re-arms for a later end.
    await this.ctx.storage.setAlarm(expiresAt);
    return true;
  }

  /** The flow's current state, or null when it never existed or has expired. */
  async read(): Promise<FlowSnapshot | null> {
    return this.live();
  }

  /** Replaces the state if it is still at `expectedVersion` (optimistic concurrency). */
  async update(state: string, expectedVersion: number): Promise<UpdateResult> {
    const current = this.live();
    if (!current) return { ok: false, reason: 'absent' };
    if (current.version !== expectedVersion) return { ok: false, reason: 'conflict' };
    const version = current.version + 1;
    this.ctx.storage.kv.put('state', state);
    this.ctx.storage.kv.put('version', version);
    return { ok: true, version };
  }

  /** Ends the flow now (completed, cancelled or abandoned). */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /**
   * Ends the flow in one step: replaces the state (still at `expectedVersion`) with its completed
   * form and stores the authorization code (only its hash: the code itself is never stored), both
   * or neither.
   */
  async completeWithCode(
    state: string,
    expectedVersion: number,
    hash: string,
    grant: string,
    ttlSeconds: number,
  ): Promise<CompleteResult> {
    const current = this.live();
    if (!current) return 'absent';
    if (current.version !== expectedVersion) return 'conflict';
    const kv = this.ctx.storage.kv;
    if (kv.get<CodeRecord>('code')) return 'code-exists';
    kv.put('state', state);
    kv.put('version', current.version + 1);
    const expiresAt = Date.now() + Math.ceil(ttlSeconds * 1000);
    kv.put('code', { hash, grant, expiresAt, redeemed: false, issued: null } satisfies CodeRecord);
    kv.put('keep_until', expiresAt + CODE_KEEP_MS);
    // The alarm set at create() fires at the flow's expiry and re-arms for `keep_until`.
    return 'completed';
  }

  /**
   * Redeems the code: `ok` with its grant the first time, `replayed` (with what the first
   * redemption issued) afterwards, `invalid` when unknown or expired. The redeeming client, its
   * redirect URI, PKCE verifier and DPoP key are checked first: a request that fails them gets
   * `mismatch` and leaves the code as it was, so nobody but its client can use up (or, replaying
   * it, revoke) a code. Single-threaded: of concurrent redemptions exactly one gets `ok`.
   */
  async redeemCode(
    hash: string,
    claim: RedeemClaim,
    issued: string | null = null,
  ): Promise<RedeemResult> {
    const kv = this.ctx.storage.kv;
    const code = kv.get<CodeRecord>('code');
    if (!code || code.hash !== hash) return { status: 'invalid' };
    const mismatch = mismatchOf(JSON.parse(code.grant) as GrantBinding, claim);
    if (mismatch) return { status: 'mismatch', reason: mismatch };
    if (code.redeemed) return { status: 'replayed', issued: code.issued };
    if (code.expiresAt <= Date.now()) return { status: 'invalid' };
    // `issued` names what this redemption will issue (access token id, refresh family), recorded
    // with the redemption itself so that a replay can always revoke it.
    kv.put('code', { ...code, redeemed: true, issued });
    return { status: 'ok', grant: code.grant };
  }

  override async alarm(): Promise<void> {
    const kv = this.ctx.storage.kv;
    const end = Math.max(kv.get<number>('expires_at') ?? 0, kv.get<number>('keep_until') ?? 0);
    // The flow may have been re-created, or a code stored, with a later end after this alarm was set.
    if (end > Date.now()) {
      await this.ctx.storage.setAlarm(end);
      return;
    }
    await this.ctx.storage.deleteAll();
  }
}
