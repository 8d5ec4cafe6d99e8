/**
 * @module replay/attempts
 * Failed-login counters per username, in ReplayGuard (durable-objects/replay-guard.ts): an attempt
 * is reserved (counted) before the password is verified, so parallel guesses cannot outrun the
 * lockout, and unknown usernames are counted exactly like existing ones (the same answers).
 */
import type { ReplayGuard } from '../../durable-objects/replay-guard';
import { guardOf } from './use-once';

/** Usernames compare case-insensitively (the accounts table's COLLATE NOCASE). */
const normalise = (username: string) => username.trim().toLowerCase();

/**
 * A username's own object (named by a hash of it, never the name itself): created by the first
 * login attempt for that name, so near the person who uses it; every attempt from anywhere meets
 * in it, so the lockout is global and exact.
 */
const accountObject = (key: string) => `account:${key}`;

export async function reserveLoginAttempt(
  binding: DurableObjectNamespace<ReplayGuard>,
  username: string,
  max: number,
  lockSeconds: number,
): Promise<{ allowed: boolean; attempts: number; retryAt: number }> {
  const { key, stub } = await guardOf(binding, 'login-name', normalise(username), accountObject);
  return stub.reserveAttempt(key, max, lockSeconds);
}

export async function clearLoginAttempts(
  binding: DurableObjectNamespace<ReplayGuard>,
  username: string,
): Promise<void> {
  const { key, stub } = await guardOf(binding, 'login-name', normalise(username), accountObject);
  await stub.clearAttempts(key);
}
