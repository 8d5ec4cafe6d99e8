/**
 * @module attestation/diagnose
 * The attestation diagnostic behind `npm run attestation -- verify FILE.json`: decides one sample
 * exactly as the server would. The policy is parsed by the server's own parser (parsePolicy, the
 * ATTESTATION reader, unknown keys refused), development roots are added by the server's rule,
 * what the policy demands comes from policy-checks.ts (shared with attest.ts), and the verdict
 * comes from the same verifiers. Sample (JSON):
 *
 *   at          ISO-8601 verification time
 *   policy      one policy exactly as written in ATTESTATION (`{"platform": "android", "mode":
 *               "production", "packageNames": [...], "signingCertDigests": [...], ...}`), or
 *   policyId    the id of a policy of the configuration the CLI was given (`--config`)
 *   devAttestationRoots   optional PEM certificates, as DEV_ATTESTATION_ROOTS (non-production only)
 *   statusList  optional: Google's attestation status list, as the Cron trigger reads it
 *   android:    x5c (base64 DER, leaf first), challenge (base64 of the expected
 *               attestationChallenge: SHA-256 of the server's challenge string)
 *   ios:        keyId, clientDataHash (base64), and either attestation (base64 CBOR) or
 *               assertion (base64 CBOR) with storedKey {publicKey (base64 SPKI), appId,
 *               environment, counter}: the key and counter the server stored at attestation
 *   optional:   expected {valid, reason}, source, licence
 */
import { ConfigError } from '../config/errors';
import { withDevelopmentRoots } from '../config/settings';
import { decodeBase64, encodeBase64 } from '../crypto/pem';
import { spkiThumbprint } from '../crypto/spki-jwk';
import { verifyAndroidKeyAttestation } from './android/verify';
import { verifyAppAttestAssertion } from './ios/verify-assertion';
import { verifyAppAttestation } from './ios/verify-attestation';
import { type AttestationPolicy, parsePolicy } from './policies';
import {
  androidCheck,
  androidEvidence,
  appAttestCheck,
  iosEvidence,
  storedKeyProblem,
} from './policy-checks';
import { parseStatusList, StatusListError } from './status-list';

export class SampleError extends Error {
  override readonly name = 'SampleError';
}

export interface Diagnosis {
  readonly valid: boolean;
  readonly reason: string;
  readonly platform: 'android' | 'ios';
  readonly policy: string;
  /** The attested key (valid verdicts): its SubjectPublicKeyInfo and JWK thumbprint (cnf.jkt). */
  readonly attestedKey?: { readonly spki: string; readonly jkt: string };
  /** What the AAT would carry as `att` (valid verdicts). */
  readonly evidence?: Readonly<Record<string, unknown>>;
  /** App Attest assertions: the counter the assertion carries. */
  readonly counter?: number;
}

type Json = Record<string, unknown>;

function field<T>(object: Json, key: string, check: (v: unknown) => v is T, what: string): T {
  const value = object[key];
  if (!check(value)) throw new SampleError(`${key} must be ${what}`);
  return value;
}
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function bytes(object: Json, key: string): Uint8Array {
  const value = decodeBase64(field(object, key, isString, 'base64'));
  if (!value) throw new SampleError(`${key} must be base64`);
  return value;
}

/** The sample's policy, parsed and completed as the server completes it. */
function policyOf(
  sample: Json,
  configured?: ReadonlyMap<string, AttestationPolicy>,
): AttestationPolicy {
  let policy: AttestationPolicy;
  try {
    if (sample.policyId !== undefined) {
      const id = field(sample, 'policyId', isString, 'a policy id');
      const found = configured?.get(id);
      if (!found) throw new SampleError(`policyId ${id} is not a policy of the configuration`);
      policy = found;
    } else {
      policy = parsePolicy('sample', field(sample, 'policy', isObject, 'an object'), 'policy');
    }
    const pems = sample.devAttestationRoots ?? [];
    if (!isStrings(pems)) throw new SampleError('devAttestationRoots must be PEM certificates');
    if (pems.length > 0 && policy.mode === 'production')
      throw new SampleError('devAttestationRoots apply to non-production policies only');
    return withDevelopmentRoots(new Map([[policy.id, policy]]), pems).get(
      policy.id,
    ) as AttestationPolicy;
  } catch (err) {
    if (err instanceof ConfigError) throw new SampleError(err.message);
    throw err;
  }
}

function revokedSerials(sample: Json): ReadonlySet<string> {
  if (sample.statusList === undefined) return new Set();
  try {
    return new Set(parseStatusList(sample.statusList).map((entry) => entry.serial));
  } catch (err) {
    if (err instanceof StatusListError) throw new SampleError(`statusList: ${err.message}`);
    throw err;
  }
}

export async function diagnose(
  sample: unknown,
  configured?: ReadonlyMap<string, AttestationPolicy>,
): Promise<Diagnosis> {
  if (!isObject(sample)) throw new SampleError('the sample must be a JSON object');
  const at = new Date(field(sample, 'at', isString, 'an ISO-8601 time'));
  if (Number.isNaN(at.getTime())) throw new SampleError('at must be an ISO-8601 time');
  const policy = policyOf(sample, configured);
  if (sample.platform !== undefined && sample.platform !== policy.platform)
    throw new SampleError(
      `platform ${String(sample.platform)} is not the policy's (${policy.platform})`,
    );

  if (policy.platform === 'android') {
    const x5c = field(sample, 'x5c', isStrings, 'an array of base64 certificates').map((c, i) => {
      const der = decodeBase64(c);
      if (!der) throw new SampleError(`x5c[${i}] must be base64`);
      return der;
    });
    const result = await verifyAndroidKeyAttestation(
      x5c,
      bytes(sample, 'challenge'),
      at,
      androidCheck(policy, revokedSerials(sample)),
    );
    const base = { platform: 'android', policy: policy.id } as const;
    if (!result.valid) return { valid: false, reason: result.reason, ...base };
    const spki = result.evidence.attestedKeySpki;
    return {
      valid: true,
      reason: 'ok',
      ...base,
      attestedKey: { spki: encodeBase64(spki), jkt: await spkiThumbprint(spki) },
      evidence: androidEvidence(result.evidence),
    };
  }
  if (policy.platform === 'ios') {
    const base = { platform: 'ios', policy: policy.id } as const;
    const clientDataHash = bytes(sample, 'clientDataHash');
    if (sample.assertion !== undefined) {
      const stored = field(
        sample,
        'storedKey',
        isObject,
        'the stored key {publicKey, appId, environment, counter}',
      );
      const key = {
        publicKey: bytes(stored, 'publicKey'),
        appId: field(stored, 'appId', isString, 'a string'),
        environment: field(stored, 'environment', isString, 'a string'),
        counter: field(stored, 'counter', isNumber, 'a whole number'),
      };
      const refused = storedKeyProblem(policy, key);
      if (refused) return { valid: false, reason: refused, ...base };
      const result = await verifyAppAttestAssertion(
        bytes(sample, 'assertion'),
        clientDataHash,
        key.publicKey,
        key.appId,
        -1,
      );
      if (!result.valid) return { valid: false, reason: result.reason, ...base };
      // The server moves the stored counter forward only: an equal or lower one is a replay.
      if (result.counter <= key.counter)
        return { valid: false, reason: 'counter_not_increasing', ...base, counter: result.counter };
      return {
        valid: true,
        reason: 'ok',
        ...base,
        counter: result.counter,
        attestedKey: {
          spki: encodeBase64(key.publicKey),
          jkt: await spkiThumbprint(key.publicKey),
        },
        evidence: iosEvidence(key.environment, key.appId, 'assertion'),
      };
    }
    const result = await verifyAppAttestation(
      bytes(sample, 'attestation'),
      bytes(sample, 'keyId'),
      clientDataHash,
      at,
      appAttestCheck(policy),
    );
    if (!result.valid) return { valid: false, reason: result.reason, ...base };
    const spki = result.evidence.publicKeySpki;
    return {
      valid: true,
      reason: 'ok',
      ...base,
      attestedKey: { spki: encodeBase64(spki), jkt: await spkiThumbprint(spki) },
      evidence: iosEvidence(result.evidence.environment, result.evidence.appId, 'attestation'),
    };
  }
  throw new SampleError('the policy must be an android or ios policy (web has nothing to verify)');
}
