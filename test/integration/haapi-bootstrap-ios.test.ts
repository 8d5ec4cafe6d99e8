// The HAAPI bootstrap of docs/haapi-protocol.md §2.1 through the Worker, iOS path: App Attest
// attestation (then assertions) bound to a separate DPoP key by clientDataHash =
// SHA-256("<challenge>.<jkt>"). Attestations come from a development root and intermediate that
// only the non-production test policy trusts.
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/digest';
import { encodeBase64 } from '../../src/crypto/pem';
import { bootstrapWorker, insertAttestedClient } from '../support/bootstrap';
import {
  type AppAttestDevice,
  appAssertion,
  appAttestation,
  appAttestDevice,
  createDevCa,
  type DevCa,
} from '../support/dev-attestation';
import { type DpopKey, dpopKey } from '../support/dpop';

const TEAM = 'TEAMID1234';
const BUNDLE = 'io.curity.haapidemo';
const APP_ID = `${TEAM}.${BUNDLE}`;

let root: DevCa;
let intermediate: DevCa;
let app: ReturnType<typeof bootstrapWorker>;
let devClient: string;
let prodClient: string;

async function attestationResponse(
  challenge: string,
  device: AppAttestDevice,
  dpop: DpopKey,
  appId = APP_ID,
): Promise<string> {
  const clientDataHash = await sha256(`${challenge}.${dpop.jkt}`);
  const attestation = await appAttestation({ root, intermediate, device, appId, clientDataHash });
  return JSON.stringify({
    platform: 'ios',
    keyId: encodeBase64(device.keyId),
    attestation: encodeBase64(attestation),
    jkt: dpop.jkt,
  });
}

async function assertionResponse(
  challenge: string,
  device: AppAttestDevice,
  dpop: DpopKey,
): Promise<string> {
  const assertion = await appAssertion(device, APP_ID, await sha256(`${challenge}.${dpop.jkt}`));
  return JSON.stringify({
    platform: 'ios',
    keyId: encodeBase64(device.keyId),
    assertion: encodeBase64(assertion),
    jkt: dpop.jkt,
  });
}

async function cat(
  clientId: string,
  response: (challenge: string) => Promise<string>,
): Promise<Response> {
  const challenge = await app.challenge(clientId);
  return app.postCat(clientId, challenge, await response(challenge));
}

beforeAll(async () => {
  root = await createDevCa('edge-haapi Development App Attestation Root');
  intermediate = await createDevCa('edge-haapi Development App Attestation CA 1', root);
  app = bootstrapWorker({
    'test-ios-dev': {
      platform: 'ios',
      mode: 'non-production',
      teamId: TEAM,
      bundleIds: [BUNDLE],
      developmentRoots: [root.pem],
    },
    'test-ios-prod': { platform: 'ios', mode: 'production', teamId: TEAM, bundleIds: [BUNDLE] },
  });
  devClient = await insertAttestedClient('test-ios-dev');
  prodClient = await insertAttestedClient('test-ios-prod');
});

describe('HAAPI bootstrap, iOS App Attest (docs/haapi-protocol.md §2.1)', () => {
  it('attestation → CAT → AAT bound to the DPoP key named in clientDataHash', async () => {
    const device = await appAttestDevice();
    const dpop = await dpopKey();
    const res = await cat(devClient, (c) => attestationResponse(c, device, dpop));
    expect(res.status).toBe(200);
    const { cat: token } = (await res.json()) as { cat: string };
    expect(decodeJwt(token)).toMatchObject({
      sub: devClient,
      platform: 'ios',
      cnf: { jkt: dpop.jkt },
    });
    const aat = await app.requestAat(token, dpop);
    expect(aat.status).toBe(200);
    const body = (await aat.json()) as { access_token: string };
    expect(decodeJwt(body.access_token)).toMatchObject({
      cal: 'by-policy',
      cnf: { jkt: dpop.jkt },
      att: { platform: 'ios', environment: 'development', appId: APP_ID, proof: 'attestation' },
    });
  });

  it('a DPoP key other than the one in clientDataHash is refused', async () => {
    const device = await appAttestDevice();
    const dpop = await dpopKey();
    const { cat: token } = (await (
      await cat(devClient, (c) => attestationResponse(c, device, dpop))
    ).json()) as { cat: string };
    const res = await app.requestAat(token, await dpopKey());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_dpop_proof');
  });

  it('later challenges are answered with assertions; a replayed counter is refused', async () => {
    const device = await appAttestDevice();
    const dpop = await dpopKey();
    expect((await cat(devClient, (c) => attestationResponse(c, device, dpop))).status).toBe(200);
    const second = await cat(devClient, (c) => assertionResponse(c, device, dpop));
    expect(second.status).toBe(200);
    const { cat: token } = (await second.json()) as { cat: string };
    expect(decodeJwt(token)).toMatchObject({ att: { proof: 'assertion' } });
    // The same counter again (an assertion replayed or cloned): refused.
    device.counter -= 1;
    const replay = await cat(devClient, (c) => assertionResponse(c, device, dpop));
    expect(replay.status).toBe(401);
    // And a fresh one works.
    expect((await cat(devClient, (c) => assertionResponse(c, device, dpop))).status).toBe(200);
  });

  it('an assertion for a key the client never attested is refused', async () => {
    const device = await appAttestDevice();
    const res = await cat(devClient, async (c) => assertionResponse(c, device, await dpopKey()));
    expect(res.status).toBe(401);
  });

  it('a wrong App ID is refused, and a production policy refuses the development root', async () => {
    const device = await appAttestDevice();
    const dpop = await dpopKey();
    expect(
      (
        await cat(devClient, (c) =>
          attestationResponse(c, device, dpop, `${TEAM}.com.example.other`),
        )
      ).status,
    ).toBe(401);
    expect((await cat(prodClient, (c) => attestationResponse(c, device, dpop))).status).toBe(401);
  });
});
