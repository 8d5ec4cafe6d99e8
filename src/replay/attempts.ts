/**
 * @module replay/attempts
 * Failed-login counters per username, in ReplayGuard (durable-objects/replay-guard.ts): an attempt
 * is reserved (counted) before the password is verified, so parallel guesses cannot outrun the
 * lockout, and unknown usernames are counted exactly like existing ones (the same answers).
 */
import type { ReplayGuard } from '../../durable-objects/replay-guard';
import { shardOf } from './use-once';

/** Usernames compare case-insensitively (the accounts table's COLLATE NOCASE). */
const normalise = (username: string) => username.trim().toLowerCase();

export async function reserveLoginAttempt(
  binding: DurableObjectNamespace<ReplayGuard>,
  username: string,
  max: number,
  lockSeconds: number,
): Promise<{ allowed: boolean; attempts: number; retryAt: number }> {
  const { key, stub } = await shardOf(binding, 'login-name', normalise(username));
  return stub.reserveAttempt(key, max, lockSeconds);
}

export async function clearLoginAttempts(
  binding: DurableObjectNamespace<ReplayGuard>,
  username: string,
): Promise<void> {
  const { key, stub } = await shardOf(binding, 'login-name', normalise(username));
  await stub.clearAttempts(key);
}
