/** Number of ReplayGuard objects per Cloudflare location (rate-limit budgets, issued values). */
export const REPLAY_SHARDS = 64;

/**
 * One of the REPLAY_SHARDS objects of a Cloudflare location, created there by its first request:
 * rate-limit budgets, and the single use of values the location issued that name it (attestation
 * challenges, initial access tokens), so they create no object of their own.
 */
export function locationObject(location: string, shard: number): string {
  return `colo:${location}:${shard}`;
}
