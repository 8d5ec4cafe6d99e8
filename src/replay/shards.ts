/** Number of ReplayGuard objects the keys are spread over (src/replay/use-once.ts). */
export const REPLAY_SHARDS = 64;
