/**
 * Attested apps for flow tests: an iOS app (App Attest, development root) and an Android app
 * (key attestation, development root), each a client of its own policy, and their AATs. The
 * Worker runs with these policies plus `extra` vars (authenticators, WebAuthn options).
 */
import { createExecutionContext } from 'cloudflare:test';
import { SecurityLevel } from '@peculiar/asn1-android';
import { expect } from 'vitest';
import { androidAttester, iosAttester } from '../../client/demo/scenarios';
import { DpopKey as ClientDpopKey } from '../../client/dpop';
import worker from '../../src/index';
import { bootstrapWorker, dpopKeyOf, insertAttestedClient } from './bootstrap';
import { createDevCa, type DevCa, ecKeyPair } from './dev-attestation';
import type { DpopKey } from './dpop';
import { type Fetch, HaapiTestClient } from './haapi-client';

export const IOS_TEAM = 'TEAMID1234';
export const APP_BUNDLE = 'io.curity.haapidemo';
/** The Android app's signing-certificate digest in these tests (32 bytes of 0x01). */
export const ANDROID_DIGEST = '01'.repeat(32);

let roots: { ios: DevCa; iosCa: DevCa; android: DevCa } | undefined;

async function devRoots() {
  if (!roots) {
    const ios = await createDevCa('edge-haapi Test App Attestation Root');
    roots = {
      ios,
      iosCa: await createDevCa('edge-haapi Test App Attestation CA', ios),
      android: await createDevCa(),
    };
  }
  return roots;
}

export async function attestedApps(extra: Record<string, string> = {}) {
  const { ios, iosCa, android } = await devRoots();
  const policies = {
    'flow-ios': {
      platform: 'ios',
      mode: 'non-production',
      teamId: IOS_TEAM,
      bundleIds: [APP_BUNDLE],
      developmentRoots: [ios.pem],
    },
    'flow-android': {
      platform: 'android',
      mode: 'non-production',
      packageNames: [APP_BUNDLE],
      signingCertDigests: [ANDROID_DIGEST],
      developmentRoots: [android.pem],
    },
  };
  const app = bootstrapWorker(policies, extra);
  const iosClient = await insertAttestedClient('flow-ios');
  const androidClient = await insertAttestedClient('flow-android');
  const fetch: Fetch = async (request) =>
    worker.fetch(
      request as unknown as Request<unknown, IncomingRequestCfProperties>,
      app.env,
      createExecutionContext(),
    );

  async function aat(
    clientId: string,
    response: (challenge: string) => Promise<string>,
    key: DpopKey,
  ) {
    const challenge = await app.challenge(clientId);
    const catRes = await app.postCat(clientId, challenge, await response(challenge));
    expect(catRes.status).toBe(200);
    const { cat } = (await catRes.json()) as { cat: string };
    const res = await app.requestAat(cat, key);
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  return {
    app,
    env: app.env,
    fetch,
    iosClient,
    androidClient,
    /** An iOS app's HAAPI client (App Attest attestation → CAT → AAT). */
    async ios(): Promise<HaapiTestClient> {
      const pair = await ecKeyPair();
      const key = await dpopKeyOf(pair);
      const attester = iosAttester(ios, iosCa);
      const clientKey = await ClientDpopKey.fromKeyPair(pair);
      const token = await aat(iosClient, (challenge) => attester(challenge, clientKey), key);
      return new HaapiTestClient(fetch, token, key);
    },
    /** An Android app's HAAPI client (key attestation of its DPoP key → CAT → AAT). */
    async android(): Promise<HaapiTestClient> {
      const pair = await ecKeyPair();
      const key = await dpopKeyOf(pair);
      const attester = androidAttester(
        android,
        SecurityLevel.trustedEnvironment,
        new Uint8Array(32).fill(1),
      );
      const clientKey = await ClientDpopKey.fromKeyPair(pair);
      const token = await aat(androidClient, (challenge) => attester(challenge, clientKey), key);
      return new HaapiTestClient(fetch, token, key);
    },
  };
}
