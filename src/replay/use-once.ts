/**
 * @module replay/use-once
 * The single-use check for values that are not a flow's: hashes namespace + value (the value
 * itself is never stored), picks the ReplayGuard object that guards it (guardOf) and asks it.
 */
import { isValidUse, type ReplayGuard, type UseResult } from '../../durable-objects/replay-guard';
import { sha256Hex } from '../crypto/digest';

import { locationObject, REPLAY_SHARDS } from './shards';

export { locationObject, REPLAY_SHARDS };

export type ReplayNamespace =
  | 'dpop-jti'
  | 'client-assertion-jti'
  | 'attestation-challenge'
  | 'cat'
  | 'app-attest-counter'
  | 'app-attest-key'
  | 'refresh-family'
  | 'login-ip'
  | 'login-name'
  | 'flow-ip'
  | 'account-ip'
  | 'dcr-ip'
  | 'dcr-registrar'
  | 'initial-access-token'
  | 'token-ip'
  | 'token-client'
  | 'cat-ip'
  | 'cat-client'
  | 'test';

/**
 * Where a single-use value or a counter is kept (the placement rule: docs/state.md). A Durable
 * Object lives where it was first used, so each value goes to an object named for the entity it
 * belongs to, which that entity's own requests create near its user:
 *  - `owner` given: the entity's object (a DPoP key `key:<jkt>` for its proofs and its CATs, an
 *    App Attest key, a username's login attempts, a location's rate-limit budgets);
 *  - no owner: an object of the value's own (`v:<hash>`), for values the server issues once to one
 *    caller without a guard token. A replay from anywhere names the same object, so single use
 *    stays global.
 * The key inside the object is always SHA-256(namespace, value): values themselves are never stored.
 */
export async function guardOf(
  binding: DurableObjectNamespace<ReplayGuard>,
  namespace: ReplayNamespace,
  value: string,
  owner?: string | ((key: string) => string),
): Promise<{ key: string; stub: DurableObjectStub<ReplayGuard> }> {
  const key = await sha256Hex(`${namespace}\u0000${value}`);
  const name = typeof owner === 'function' ? owner(key) : (owner ?? `v:${key}`);
  return { key, stub: binding.get(binding.idFromName(name)) };
}

/** Objects per client for its client assertions' `jti`s (a hot client's load is spread). */
export const ASSERTION_SHARDS = 4;

/**
 * The objects of a client's assertion `jti`s (RFC 7523 §3: unique per issuer, so tracked per
 * client): `client:<hash of the client id>:<n>`, n from the value's key, so a replay meets the
 * same object. A device's dynamic client creates its objects near the device; a backend client's
 * are near the backend; each exists once instead of one new object per assertion.
 */
export function clientAssertionOwner(clientIdHash: string): (key: string) => string {
  return (key) =>
    `client:${clientIdHash}:${Number.parseInt(key.slice(0, 2), 16) % ASSERTION_SHARDS}`;
}

/** The object of a DPoP key (by its JWK thumbprint): its proofs' `jti`s and its CATs. */
export function keyObject(jkt: string): string {
  return `key:${jkt}`;
}

/**
 * The object of rate-limit budgets at a location (one of REPLAY_SHARDS per Cloudflare location):
 * budgets are per location, like Cloudflare's own rate limiting, so a request never waits on a
 * far object for them.
 */
export function budgetOwner(location: string | undefined): (key: string) => string {
  return (key) =>
    locationObject(location ?? 'local', Number.parseInt(key.slice(0, 4), 16) % REPLAY_SHARDS);
}

const GUARD_TOKEN = /^([A-Za-z0-9_-]{1,16})~(\d{1,3})$/;

/**
 * A guard token for a value issued now (`<location>~<n>`: one of the location's objects, picked
 * at random), to be carried in the value under its MAC or signature.
 */
export function issueGuard(location: string | undefined): string {
  const n = (crypto.getRandomValues(new Uint8Array(1))[0] as number) % REPLAY_SHARDS;
  return `${(location ?? 'local').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 16)}~${n}`;
}

/** The object a guard token names; undefined for anything else. */
export function guardObject(token: unknown): string | undefined {
  const match = typeof token === 'string' ? GUARD_TOKEN.exec(token) : null;
  const shard = match ? Number(match[2]) : Number.NaN;
  return match && shard < REPLAY_SHARDS ? locationObject(match[1] as string, shard) : undefined;
}

/** Moves a monotonic counter forward; false when `counter` is not above the stored one. */
export async function advanceCounter(
  binding: DurableObjectNamespace<ReplayGuard>,
  namespace: ReplayNamespace,
  name: string,
  counter: number,
  ttlSeconds: number,
  owner?: string | ((key: string) => string),
): Promise<boolean> {
  const { key, stub } = await guardOf(binding, namespace, name, owner);
  return stub.advance(key, counter, ttlSeconds);
}

export async function useOnce(
  binding: DurableObjectNamespace<ReplayGuard>,
  namespace: ReplayNamespace,
  value: string,
  ttlSeconds: number,
  owner?: string | ((key: string) => string),
): Promise<UseResult> {
  const { key, stub } = await guardOf(binding, namespace, value, owner);
  if (!isValidUse(key, ttlSeconds)) throw new RangeError(`useOnce: bad ttl ${ttlSeconds}`);
  return stub.use(key, ttlSeconds);
}
