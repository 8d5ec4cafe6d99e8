/**
 * @module attestation/attest
 * Verifies a challenge response against the client's attestation policy and says which DPoP key
 * it binds and with what evidence. One place that knows every platform; each platform's
 * verifier lives in its own module. Failures carry the verifier's precise reason.
 */

import type { ReplayGuard } from '../../durable-objects/replay-guard';
import { sha256 } from '../crypto/digest';
import { decodeBase64, encodeBase64 } from '../crypto/pem';
import { spkiThumbprint } from '../crypto/spki-jwk';
import { advanceCounter } from '../replay/use-once';
import {
  appAttestObject,
  findAppAttestKey,
  recallAppAttestKey,
  rememberAppAttestKey,
  saveAppAttestKey,
} from '../storage/app-attest-keys';
import type { Db } from '../storage/db';
import { verifyAndroidKeyAttestation } from './android/verify';
import type { ChallengeResponse } from './challenge-response';
import { verifyAppAttestAssertion } from './ios/verify-assertion';
import { verifyAppAttestation } from './ios/verify-attestation';
import type { AttestationPolicy } from './policies';
import {
  androidCheck,
  androidEvidence,
  appAttestCheck,
  iosEvidence,
  storedKeyProblem,
} from './policy-checks';

export type Evidence = Readonly<Record<string, string | number | boolean | null>>;

export type AttestOutcome =
  | { ok: true; platform: 'android' | 'ios' | 'web'; jkt: string; evidence: Evidence }
  | { ok: false; reason: string };

export interface AttestInput {
  readonly clientId: string;
  readonly policy: AttestationPolicy;
  readonly challenge: string;
  readonly response: ChallengeResponse;
  readonly now: Date;
  readonly db: Db;
  /** The D1 primary: a key stored by the previous request may not be on the replica yet. */
  readonly primary?: Db;
  /** Work that need not finish before the response (ctx.waitUntil). */
  readonly defer: (work: Promise<unknown>) => void;
  readonly replayGuard: DurableObjectNamespace<ReplayGuard>;
  readonly revokedSerials: ReadonlySet<string>;
  /** The client's allowed origins (web attestation). */
  readonly allowedOrigins: readonly string[];
}

/** App Attest counters are kept for a year after their last use. */
const COUNTER_TTL = 365 * 86400;

export async function attest(input: AttestInput): Promise<AttestOutcome> {
  const { policy, response } = input;
  if (policy.platform !== response.platform) return { ok: false, reason: 'platform_mismatch' };

  if (response.platform === 'android' && policy.platform === 'android') {
    const result = await verifyAndroidKeyAttestation(
      response.x5c,
      await sha256(input.challenge),
      input.now,
      androidCheck(policy, input.revokedSerials),
    );
    if (!result.valid) return { ok: false, reason: result.reason };
    return {
      ok: true,
      platform: 'android',
      jkt: await spkiThumbprint(result.evidence.attestedKeySpki),
      evidence: androidEvidence(result.evidence),
    };
  }

  if (response.platform === 'ios' && policy.platform === 'ios') {
    const clientDataHash = await sha256(`${input.challenge}.${response.jkt}`);
    const keyId = encodeBase64(response.keyId);
    if ('attestation' in response) {
      const result = await verifyAppAttestation(
        response.attestation,
        response.keyId,
        clientDataHash,
        input.now,
        appAttestCheck(policy),
      );
      if (!result.valid) return { ok: false, reason: result.reason };
      const key = {
        keyId,
        clientId: input.clientId,
        appId: result.evidence.appId,
        publicKey: encodeBase64(result.evidence.publicKeySpki),
        environment: result.evidence.environment,
      };
      // The key's own object holds it (near the device); D1's index row follows the response.
      await rememberAppAttestKey(input.replayGuard, key);
      input.defer(saveAppAttestKey(input.db, key));
      return {
        ok: true,
        platform: 'ios',
        jkt: response.jkt,
        evidence: iosEvidence(result.evidence.environment, result.evidence.appId, 'attestation'),
      };
    }
    const stored =
      (await recallAppAttestKey(input.replayGuard, keyId, input.clientId)) ??
      (await findAppAttestKey(input.db, keyId, input.clientId)) ??
      (input.primary ? await findAppAttestKey(input.primary, keyId, input.clientId) : null);
    if (!stored) return { ok: false, reason: 'unknown_key' };
    const refused = storedKeyProblem(policy, stored);
    if (refused) return { ok: false, reason: refused };
    const result = await verifyAppAttestAssertion(
      response.assertion,
      clientDataHash,
      decodeBase64(stored.publicKey) as Uint8Array,
      stored.appId,
      -1,
    );
    if (!result.valid) return { ok: false, reason: result.reason };
    if (
      !(await advanceCounter(
        input.replayGuard,
        'app-attest-counter',
        keyId,
        result.counter,
        COUNTER_TTL,
        await appAttestObject(keyId),
      ))
    ) {
      return { ok: false, reason: 'counter_not_increasing' };
    }
    return {
      ok: true,
      platform: 'ios',
      jkt: response.jkt,
      evidence: iosEvidence(stored.environment, stored.appId, 'assertion'),
    };
  }
  if (response.platform === 'web' && policy.platform === 'web') {
    // Web "attestation" proves the embedding origin (the iframe page checks it, the browser enforces
    // frame-ancestors) and binds the page's key; it says nothing about the device.
    if (!policy.disableOriginVerification && !input.allowedOrigins.includes(response.origin)) {
      return { ok: false, reason: 'origin_not_allowed' };
    }
    return {
      ok: true,
      platform: 'web',
      jkt: response.jkt,
      evidence: {
        platform: 'web',
        origin: response.origin,
        deviceIdentifier: response.deviceIdentifier ?? null,
      },
    };
  }
  return { ok: false, reason: 'platform_mismatch' };
}
