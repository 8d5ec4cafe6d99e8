/**
 * Attestation bootstraps (challenge, CAT, AAT: 3 requests per unit) for Android with an RSA and
 * an EC root, and App Attest; each unit is a new device, whose minting is not counted.
 */
import type { Attester } from '../../client/bootstrap';
import { androidAttester, iosAttester } from '../../client/demo/scenarios';
import type { DpopKey } from '../../client/dpop';
import { expectOk, measure, N_HEAVY, WARM_UP } from '../runner';
import type { Bench } from '../setup';

export async function bootstrapJobs(b: Bench): Promise<void> {
  const { results, workerd, base, token, form, postForm, withNonce, dpopKeys, floorCpu } = b;
  const { rsaRoot, ecRoot, appleRoot, appleCa } = b;
  // Attestation bootstraps: challenge, CAT, AAT (3 requests); the device-side minting is not counted.
  const bootstrap = async (clientId: string, attester: Attester, key: DpopKey) => {
    const challenge = (
      await expectOk(
        await fetch(`${base}/oauth/v2/oauth-token/cat?client_id=${clientId}`, {
          headers: { Accept: 'application/json' },
        }),
        'challenge',
      )
    ).challenge as string;
    const response = await attester(challenge, key);
    const cat = (
      await postForm(
        `${base}/oauth/v2/oauth-token/cat?client_id=${clientId}`,
        { challenge, challenge_response: response },
        {},
        'cat',
      )
    ).cat as string;
    const aat = await withNonce(async (n) =>
      fetch(
        token,
        form(
          {
            grant_type: 'client_credentials',
            scope: 'urn:se:curity:scopes:haapi',
            client_assertion_type: 'urn:se:curity:attestation:client',
            client_assertion: cat,
          },
          { DPoP: await key.proof('POST', token, { nonce: n }) },
        ),
      ),
    );
    return (await expectOk(aat, 'aat')).access_token as string;
  };
  // The device work (minting a chain or an attestation) happens between the requests and is not
  // counted; each unit is a new device (an attester answers its first challenge with an attestation).
  const bootstrapJob = async (job: string, clientId: string, attester: () => Attester) => {
    const keys = await dpopKeys(N_HEAVY + WARM_UP);
    return measure(job, workerd, N_HEAVY, 3, async (i) => {
      await bootstrap(clientId, attester(), keys[i] as DpopKey);
    });
  };
  results.android_rsa = await bootstrapJob('android_rsa', 'bench-android-rsa', () =>
    androidAttester(rsaRoot),
  );
  results.android_rsa.floor_us = await floorCpu({
    rsa4096_verify: 1,
    es256_sign: 2,
    es256_verify: 2,
  });
  results.android_ec = await bootstrapJob('android_ec', 'bench-android-ec', () =>
    androidAttester(ecRoot),
  );
  results.android_ec.floor_us = await floorCpu({ p384_verify: 1, es256_sign: 2, es256_verify: 2 });
  results.app_attest = await bootstrapJob('app_attest', 'bench-ios', () =>
    iosAttester(appleRoot, appleCa),
  );
  results.app_attest.floor_us = await floorCpu({
    p256_verify: 1,
    p384_verify: 1,
    es256_sign: 2,
    es256_verify: 2,
  });
}
