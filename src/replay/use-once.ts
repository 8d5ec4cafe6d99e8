/**
 * @module replay/use-once
 * The single-use check for values that are not a flow's: hashes namespace + value (the value
 * itself is never stored), picks the ReplayGuard shard from the hash and asks it.
 */
import { isValidUse, type ReplayGuard, type UseResult } from '../../durable-objects/replay-guard';
import { sha256Hex } from '../crypto/digest';

/** Number of ReplayGuard objects the keys are spread over. */
export const REPLAY_SHARDS = 64;

export type ReplayNamespace =
  | 'dpop-jti'
  | 'client-assertion-jti'
  | 'attestation-challenge'
  | 'cat'
  | 'initial-access-token'
  | 'test';

export async function useOnce(
  binding: DurableObjectNamespace<ReplayGuard>,
  namespace: ReplayNamespace,
  value: string,
  ttlSeconds: number,
): Promise<UseResult> {
  const key = await sha256Hex(`${namespace}\u0000${value}`);
  if (!isValidUse(key, ttlSeconds)) throw new RangeError(`useOnce: bad ttl ${ttlSeconds}`);
  const shard = Number.parseInt(key.slice(0, 4), 16) % REPLAY_SHARDS;
  return binding.get(binding.idFromName(`shard-${shard}`)).use(key, ttlSeconds);
}
