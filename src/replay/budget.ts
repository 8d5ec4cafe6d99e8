/**
 * @module replay/budget
 * Rate limits: a budget of `limit` requests per fixed window for a name (a client IP, a client
 * id), kept in a ReplayGuard shard. An isolate does not ask the shard on every request: it leases
 * a block and spends it locally, so a busy client costs one Durable Object call per block instead
 * of per request. Blocks start at 1 in each window and double each time the isolate spends one, up
 * to 1 % of the limit: an isolate that sees little traffic asks for one request at a time, and a
 * block an isolate holds is never larger than what it has already spent in that window. The shard
 * never grants more than `limit` in a window, so the limit holds across every isolate; a block an
 * isolate does not spend before the window ends is lost, which can only make the limit stricter.
 * Limits under 200 are exact, request by request. A changed limit applies from the shard's next
 * answer.
 */
import type { ReplayGuard } from '../../durable-objects/replay-guard';
import { budgetOwner, guardOf, type ReplayNamespace } from './use-once';

/** Names remembered by this isolate; the oldest are dropped beyond this. */
const MAX_LEASES = 10_000;

interface Lease {
  remaining: number;
  /** Unix ms when the shard's window (and so this lease) ends. */
  windowEnd: number;
  /** The size of the last block asked for in this window. */
  block: number;
  /** The shard refused: the budget is spent until windowEnd. */
  refused: boolean;
}
const leases = new Map<string, Lease>();

/** The largest block an isolate leases: 1 % of the limit, at least 1. */
export function maxBlock(limit: number): number {
  return Math.max(1, Math.floor(limit / 100));
}

export type BudgetAnswer = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Takes one request from `name`'s budget; refused (with when to retry) once it is spent. */
export async function takeFromBudget(
  binding: DurableObjectNamespace<ReplayGuard>,
  namespace: ReplayNamespace,
  name: string,
  limit: number,
  windowSeconds: number,
  location?: string,
): Promise<BudgetAnswer> {
  const id = `${namespace}\u0000${name}`;
  let lease = leases.get(id);
  const live = lease !== undefined && lease.windowEnd > Date.now();
  if (!lease || !live || (lease.remaining === 0 && !lease.refused)) {
    const block = live && lease ? Math.min(maxBlock(limit), lease.block * 2) : 1;
    const { key, stub } = await guardOf(binding, namespace, name, budgetOwner(location));
    const { granted, windowEnd } = await stub.lease(key, windowSeconds, block, limit);
    // Requests of this isolate that asked at the same time keep every block granted.
    const current = leases.get(id);
    const kept = current && current.windowEnd === windowEnd ? current.remaining : 0;
    const remaining = kept + granted;
    lease = { remaining, windowEnd, block, refused: remaining === 0 };
    leases.delete(id);
    if (leases.size >= MAX_LEASES) leases.delete(leases.keys().next().value as string);
    leases.set(id, lease);
  }
  if (lease.remaining > 0) {
    lease.remaining -= 1;
    return { allowed: true };
  }
  const wait = Math.ceil((lease.windowEnd - Date.now()) / 1000);
  return { allowed: false, retryAfterSeconds: Math.max(1, wait) };
}

/** Forgets this isolate's leases (tests). */
export function forgetLeases(): void {
  leases.clear();
}
