/**
 * @module attestation/challenge
 * Attestation challenges (the HAAPI bootstrap, step A): `<expiry>.<random>.<guard>.<MAC>`, the MAC
 * (HMAC-SHA256, key derived from SERVER_SECRET) binding expiry, random part, guard and client id.
 * `guard` names the ReplayGuard object that will consume it: a budget object of the location that
 * issued it (near the app, which answers from the same place), so answering a challenge waits on
 * no far storage, creates no object of its own, and a replay from anywhere still meets the same
 * object. Issuing one writes nothing (a flood of GETs costs no storage); each challenge is
 * answered at most once and only before it expires.
 */
import type { ReplayGuard } from '../../durable-objects/replay-guard';
import { decodeBase64Url, encodeBase64Url } from '../crypto/base64url';
import { timingSafeEqualBytes } from '../crypto/constant-time';
import { derivedHmacKey, hmacSha256 } from '../crypto/hmac';
import { randomToken } from '../crypto/random';
import { guardObject, issueGuard, useOnce } from '../replay/use-once';

export type { ChallengeProblem } from '../errors/reasons';

import type { ChallengeProblem } from '../errors/reasons';

async function mac(serverSecret: string, clientId: string, body: string): Promise<Uint8Array> {
  return hmacSha256(
    await derivedHmacKey(serverSecret, 'attestation-challenge'),
    `${clientId}\u0000${body}`,
  );
}

export async function issueChallenge(
  serverSecret: string,
  clientId: string,
  now: number,
  ttl: number,
  location?: string,
): Promise<string> {
  const random = randomToken(24);
  const body = `${(now + ttl).toString(36)}.${random}.${issueGuard(location)}`;
  return `${body}.${encodeBase64Url(await mac(serverSecret, clientId, body))}`;
}

/** Checks and consumes a challenge; returns null when it is good, else why not. */
export async function consumeChallenge(
  serverSecret: string,
  replayGuard: DurableObjectNamespace<ReplayGuard>,
  clientId: string,
  challenge: string,
  now: number,
): Promise<ChallengeProblem | null> {
  const match = /^([0-9a-z]{1,10})\.([A-Za-z0-9_-]{32})\.([^.]{1,24})\.([A-Za-z0-9_-]{43})$/.exec(
    challenge,
  );
  const guard = match ? guardObject(match[3]) : undefined;
  if (!match || !guard) return 'challenge_malformed';
  const body = `${match[1]}.${match[2]}.${match[3]}`;
  const presented = decodeBase64Url(match[4] as string);
  if (!presented || !timingSafeEqualBytes(presented, await mac(serverSecret, clientId, body))) {
    return 'challenge_invalid';
  }
  const expiry = Number.parseInt(match[1] as string, 36);
  if (expiry <= now) return 'challenge_expired';
  const use = await useOnce(
    replayGuard,
    'attestation-challenge',
    challenge,
    expiry - now + 1,
    guard,
  );
  return use === 'first-use' ? null : 'challenge_replayed';
}
