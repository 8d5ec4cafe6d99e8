// The demo's scenarios (`npm run demo`) through the Worker with the demo configuration: the
// reference client (client/) bootstraps each app as Curity's SDKs do and logs in as `demo`. The
// development roots, the Android client's RS256 key and its mTLS certificate are made the way
// `npm start`'s set-up makes them (support/demo-setup.ts).
import { createExecutionContext, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  browserLoginUrl,
  DEMO,
  type DemoEnvironment,
  runScenarios,
  type ScenarioResult,
} from '../../client/demo/scenarios';
import worker from '../../src/index';
import {
  demoDevelopmentVars,
  memoryStores,
  registerDemoKeys,
  throwAwayDemo,
} from '../support/demo-setup';
import { ISSUER } from '../support/worker';

let results: ScenarioResult[];
let demoEnv: Env;
const events: string[] = [];

beforeAll(async () => {
  const demo = await throwAwayDemo();
  await registerDemoKeys(env.DB, demo);
  demoEnv = {
    ...env,
    AUTHENTICATORS: env.TEST_DEMO_AUTHENTICATORS,
    ...demoDevelopmentVars(demo),
  } as Env;
  const environment: DemoEnvironment = {
    issuer: ISSUER,
    fetch: async (request) =>
      worker.fetch(
        request as unknown as Request<unknown, IncomingRequestCfProperties>,
        demoEnv,
        createExecutionContext(),
      ),
    credentials: demo.credentials,
    storeFor: memoryStores(),
    onEvent: (scenario, event) => events.push(`${scenario.slice(0, 1)} ${event}`),
  };
  results = await runScenarios(environment);
}, 60_000);

describe('npm run demo: the reference client against the demo configuration', () => {
  it('1, 2: attested Android and iOS apps log in with cal by-policy', () => {
    const [android, ios] = results;
    expect(android).toMatchObject({ path: 'attestation', clientId: DEMO.androidClient });
    expect(android?.claims).toMatchObject({
      sub: 'demo',
      client_id: DEMO.androidClient,
      cal: 'by-policy',
      acr: 'urn:se:curity:authentication:html-form:htmlform',
      amr: ['pwd'],
    });
    expect(ios).toMatchObject({ path: 'attestation', clientId: DEMO.iosClient });
    expect(ios?.claims).toMatchObject({ sub: 'demo', cal: 'by-policy' });
    // The walk: authorize → selector → password → redirection → authorization response.
    expect(android?.steps.map((s) => [s.type, s.action])).toEqual([
      ['authentication-step', 'authorize'],
      ['authentication-step', 'select select-authenticator'],
      ['redirection-step', 'login'],
      ['oauth-authorization-response', 'redirect'],
    ]);
    // The code exchange authenticated with a second, fresh CAT (iOS: an assertion).
    expect(events.filter((e) => e === '2 cat')).toHaveLength(2);
  });

  it('3: an emulator is refused with the reason, registers a dynamic client (cal none), then reuses it', () => {
    const [, , first, second] = results;
    expect(first?.path).toBe('dcr-registered');
    // Development servers name the reason (production ones only log it).
    expect(first?.attestationError).toBe(
      '401 invalid_client: The client attestation could not be verified (security_level_too_low)',
    );
    expect(first?.clientId).toMatch(/^dyn-/);
    expect(first?.claims).toMatchObject({ sub: 'demo', cal: 'none', client_id: first?.clientId });
    expect(second?.path).toBe('dcr-stored');
    expect(second?.clientId).toBe(first?.clientId);
    expect(second?.claims).toMatchObject({ cal: 'none' });
  });

  it('4, 5: DCR with private_key_jwt and with an mTLS certificate give cal by-provisioned-key', () => {
    const [, , , , jwt, mtls] = results;
    for (const result of [jwt, mtls]) {
      expect(result?.path).toBe('dcr-registered');
      expect(result?.claims).toMatchObject({ sub: 'demo', cal: 'by-provisioned-key' });
    }
    expect(jwt?.clientId).not.toBe(mtls?.clientId);
  });

  it('6: the browser login URL starts an HTML login', async () => {
    const url = await browserLoginUrl(ISSUER);
    const res = await worker.fetch(
      new Request(url, { redirect: 'manual' }) as unknown as Request<
        unknown,
        IncomingRequestCfProperties
      >,
      demoEnv,
      createExecutionContext(),
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toMatch(/^\/authn\/[A-Za-z0-9_-]+$/);
  });
});
