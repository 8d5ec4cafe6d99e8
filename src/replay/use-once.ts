/**
 * @module replay/use-once
 * The single-use check for values that are not a flow's: hashes namespace + value (the value
 * itself is never stored), picks the ReplayGuard shard from the hash and asks it.
 */
import { isValidUse, type ReplayGuard, type UseResult } from '../../durable-objects/replay-guard';
import { sha256Hex } from '../crypto/digest';

import { REPLAY_SHARDS } from './shards';

export { REPLAY_SHARDS };

export type ReplayNamespace =
  | 'dpop-jti'
  | 'client-assertion-jti'
  | 'attestation-challenge'
  | 'cat'
  | 'app-attest-counter'
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

export async function shardOf(
  binding: DurableObjectNamespace<ReplayGuard>,
  namespace: ReplayNamespace,
  value: string,
): Promise<{ key: string; stub: DurableObjectStub<ReplayGuard> }> {
  const key = await sha256Hex(`${namespace}\u0000${value}`);
  const shard = Number.parseInt(key.slice(0, 4), 16) % REPLAY_SHARDS;
  return { key, stub: binding.get(binding.idFromName(`shard-${shard}`)) };
}

/** Moves a monotonic counter forward; false when `counter` is not above the stored one. */
export async function advanceCounter(
  binding: DurableObjectNamespace<ReplayGuard>,
  namespace: ReplayNamespace,
  name: string,
  counter: number,
  ttlSeconds: number,
): Promise<boolean> {
  const { key, stub } = await shardOf(binding, namespace, name);
  return stub.advance(key, counter, ttlSeconds);
}

export async function useOnce(
  binding: DurableObjectNamespace<ReplayGuard>,
  namespace: ReplayNamespace,
  value: string,
  ttlSeconds: number,
): Promise<UseResult> {
  const { key, stub } = await shardOf(binding, namespace, value);
  if (!isValidUse(key, ttlSeconds)) throw new RangeError(`useOnce: bad ttl ${ttlSeconds}`);
  return stub.use(key, ttlSeconds);
}
