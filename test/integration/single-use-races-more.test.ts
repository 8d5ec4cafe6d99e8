// More single-use values raced 50 wide through the Worker: the attestation challenge, the CAT,
// the authorization code, the refresh token (one rotation, every racer gets the same answer), the
// App Attest counter and the WebAuthn counter (which never go backwards).
import { env } from 'cloudflare:test';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/digest';
import { encodeBase64 } from '../../src/crypto/pem';
import type { FormAction } from '../../src/haapi/representations/types';
import { attestedApps } from '../support/attested-apps';
import { bootstrapWorker, insertAttestedClient, keyPairAndDpop } from '../support/bootstrap';
import { basic, createTestClient } from '../support/clients';
import { issueTestCode, redeemCode } from '../support/codes';
import {
  androidChain,
  appAssertion,
  appAttestation,
  appAttestDevice,
  createDevCa,
} from '../support/dev-attestation';
import { dpopKey } from '../support/dpop';
import { action } from '../support/haapi-client';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { PASSKEYS } from '../support/webauthn-config';
import { newAccount, operation, rpOrigin, startOn, toPrerequisite } from '../support/webauthn-flow';
import { post, type TokenBody } from '../support/worker';

const WIDTH = 50;
const count = (responses: Response[]) => ({
  ok: responses.filter((r) => r.status < 300),
  refused: responses.filter((r) => r.status >= 400),
});
const many = <T>(make: () => Promise<T>) => Promise.all(Array.from({ length: WIDTH }, make));

describe(`More single-use values under a ${WIDTH}-wide race`, () => {
  it('an attestation challenge, then the CAT it gave', async () => {
    const root = await createDevCa();
    const app = bootstrapWorker({
      'race-android': {
        platform: 'android',
        mode: 'non-production',
        packageNames: ['race.app'],
        developmentRoots: [root.pem],
      },
    });
    const clientId = await insertAttestedClient('race-android');
    const { pair, dpop } = await keyPairAndDpop();
    const challenge = await app.challenge(clientId);
    const chain = await androidChain({
      root,
      key: pair,
      challenge: await sha256(challenge),
      packageName: 'race.app',
      signatureDigests: [new Uint8Array(32)],
    });
    const response = JSON.stringify({ platform: 'android', x5c: chain.map(encodeBase64) });
    const cats = count(await many(() => app.postCat(clientId, challenge, response)));
    expect(cats.ok).toHaveLength(1);
    expect(cats.refused).toHaveLength(WIDTH - 1);
    const { cat } = (await cats.ok[0]?.json()) as { cat: string };
    const aats = count(await many(() => app.requestAat(cat, dpop)));
    expect(aats.ok).toHaveLength(1);
    expect(((await aats.refused[0]?.json()) as TokenBody).error).toBe('invalid_client');
  });

  it('an authorization code', async () => {
    const client = await createTestClient({ grantTypes: ['authorization_code'] });
    const { code, verifier } = await issueTestCode({ clientId: client.clientId });
    const redeemed = count(
      await many(() =>
        redeemCode(code, verifier, { Authorization: basic(client.clientId, client.secret) }),
      ),
    );
    expect(redeemed.ok).toHaveLength(1);
    expect(((await redeemed.refused[0]?.json()) as TokenBody).error).toBe('invalid_grant');
  });

  it('a refresh token: one rotation, every racer gets the same new token', async () => {
    const client = await createTestClient({ grantTypes: ['authorization_code', 'refresh_token'] });
    const { code, verifier } = await issueTestCode({ clientId: client.clientId });
    const first = (await (
      await redeemCode(code, verifier, { Authorization: basic(client.clientId, client.secret) })
    ).json()) as TokenBody;
    const answers = await many(() =>
      post(
        '/oauth/v2/oauth-token',
        { grant_type: 'refresh_token', refresh_token: first.refresh_token as string },
        { Authorization: basic(client.clientId, client.secret) },
      ),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as TokenBody[];
    expect(new Set(bodies.map((b) => b.refresh_token)).size).toBe(1);
    expect(bodies[0]?.refresh_token).not.toBe(first.refresh_token);
  });

  it('an App Attest assertion counter', async () => {
    const root = await createDevCa('race App Attest root');
    const ca = await createDevCa('race App Attest CA', root);
    const app = bootstrapWorker({
      'race-ios': {
        platform: 'ios',
        mode: 'non-production',
        teamId: 'RACE123456',
        bundleIds: ['race.app'],
        developmentRoots: [root.pem],
      },
    });
    const clientId = await insertAttestedClient('race-ios');
    const device = await appAttestDevice();
    const key = await dpopKey();
    const challenge = await app.challenge(clientId);
    const attestation = await appAttestation({
      root,
      intermediate: ca,
      device,
      appId: 'RACE123456.race.app',
      clientDataHash: await sha256(`${challenge}.${key.jkt}`),
    });
    const attested = await app.postCat(
      clientId,
      challenge,
      JSON.stringify({
        platform: 'ios',
        keyId: encodeBase64(device.keyId),
        attestation: encodeBase64(attestation),
        jkt: key.jkt,
      }),
    );
    expect(attested.status).toBe(200);
    // 50 assertions with the same counter, each for its own challenge: a cloned device.
    const assertions = await many(async () => {
      const c = await app.challenge(clientId);
      const copy = { ...device, counter: device.counter };
      const assertion = await appAssertion(
        copy,
        'RACE123456.race.app',
        await sha256(`${c}.${key.jkt}`),
      );
      return { c, assertion };
    });
    const results = count(
      await Promise.all(
        assertions.map(({ c, assertion }) =>
          app.postCat(
            clientId,
            c,
            JSON.stringify({
              platform: 'ios',
              keyId: encodeBase64(device.keyId),
              assertion: encodeBase64(assertion),
              jkt: key.jkt,
            }),
          ),
        ),
      ),
    );
    expect(results.ok).toHaveLength(1);
    expect(results.refused).toHaveLength(WIDTH - 1);
  });

  it('a WebAuthn counter: 50 logins by one cloned authenticator with the same counter, one passes', async () => {
    const apps = await attestedApps({
      AUTHENTICATORS: JSON.stringify([PASSKEYS, { id: 'pw', type: 'password' }]),
    });
    const origin = rpOrigin(apps.env);
    const { username, subject } = await newAccount('race');
    const authenticator = new SoftAuthenticator({ origin, attachment: 'platform' });
    async function start() {
      const app = await apps.ios();
      return { app, step: (await startOn(app, apps.iosClient, 'webauthn')).step };
    }
    // Register the device.
    {
      const { app, step } = await start();
      const pw = await toPrerequisite(app, step.body);
      const reg = await app.submit(action(pw.body, 'login'), {
        userName: username,
        password: 'Password1',
      });
      const op = operation(reg.body, 'webauthn-registration');
      const credential = await authenticator.create(
        (op.model.arguments.credentialCreationOptions as { publicKey: never }).publicKey,
      );
      const next = op.model.continueActions[0] as FormAction;
      const done = await app.request(next.model.href, 'POST', {
        type: 'application/json',
        text: JSON.stringify({ credential }),
      });
      expect(done.status).toBe(200);
    }
    // 50 flows, each answered with counter 1 (the authenticator's counter is reset each time).
    const flows = await many(async () => {
      const { app, step } = await start();
      const op = operation(step.body, 'webauthn-authentication');
      const options = (
        op.model.arguments.credentialRequestOptions as {
          publicKey: PublicKeyCredentialRequestOptionsJSON;
        }
      ).publicKey;
      (authenticator.credentials[0] as { counter: number }).counter = 0;
      const credential = await authenticator.get(options);
      return { app, href: (op.model.continueActions[0] as FormAction).model.href, credential };
    });
    const results = await Promise.all(
      flows.map(({ app, href, credential }) =>
        app.request(href, 'POST', {
          type: 'application/json',
          text: JSON.stringify({ credential }),
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(WIDTH - 1);
    const row = await env.DB.prepare('SELECT counter FROM webauthn_devices WHERE subject = ?')
      .bind(subject)
      .first<{ counter: number }>();
    expect(row?.counter).toBe(1);
  }, 30_000);
});
