/**
 * @module client/demo/scenarios
 * The demo's scenarios (`npm run demo`, and the same code in the test suite): each bootstraps an
 * app the way Curity's SDKs do (attestation first, DCR fallback when it fails), logs in as `demo`
 * through the HAAPI, redeems the code and returns the decoded claims. Platform neutral: the caller
 * gives `fetch`, the development credentials and a store per device.
 */
import { SecurityLevel } from '@peculiar/asn1-android';
import { sha256 } from '../../src/crypto/digest';
import { encodeBase64 } from '../../src/crypto/pem';
import {
  type Attester,
  type Bootstrapped,
  bootstrap,
  type ClientStore,
  discover,
  type Endpoints,
  type MainClientCredential,
} from '../bootstrap';
import {
  type AppAttestDevice,
  androidChain,
  appAssertion,
  appAttestation,
  appAttestDevice,
  type DevCa,
} from '../dev-attestation';
import { type FormAction, HaapiSession, type StepTrace } from '../haapi';
import type { Fetch } from '../http';
import { authorizationRequest, claimsOf, exchangeCode } from '../oauth';

/** The fixed demo configuration (docs/design.md §7). */
export const DEMO = {
  androidClient: 'haapi-android-client',
  iosClient: 'haapi-ios-client',
  template: 'haapi-template-client',
  webClient: 'haapi-web-client',
  packageName: 'io.curity.haapidemo',
  appId: 'TEAMID1234.io.curity.haapidemo',
  redirectUri: 'app://haapi',
  username: 'demo',
  password: 'Password1',
  secret: 'Password1',
  /** The development mTLS certificate's subject, registered as the Android client's tls_subject_dn. */
  mtlsSubject: 'CN=edge-haapi demo device',
  jwtKid: 'haapi-android-client-demo-rs256',
} as const;

export interface DemoCredentials {
  readonly androidRoot: DevCa;
  readonly iosRoot: DevCa;
  readonly iosCa: DevCa;
  /** The RS256 private key whose public half is the Android client's JWKS. */
  readonly jwtKey: CryptoKey;
  /** The device's client certificate (DER), presented through the development mTLS header. */
  readonly mtlsCertificate: Uint8Array;
}

export interface DemoEnvironment {
  readonly fetch: Fetch;
  readonly issuer: string;
  readonly credentials: DemoCredentials;
  /** A store for the dynamic client of the device named `device`. */
  storeFor(device: string): ClientStore;
  onEvent?(scenario: string, event: string, detail?: string): void;
}

export interface ScenarioResult {
  readonly name: string;
  readonly path: string;
  readonly clientId: string;
  readonly attestationError?: string;
  readonly claims: Record<string, unknown>;
  readonly steps: readonly StepTrace[];
  readonly ms: number;
}

/** A development Android key attestation of the DPoP key (TEE, or software for an emulator). */
export function androidAttester(
  root: DevCa,
  level = SecurityLevel.trustedEnvironment,
  signingDigest = new Uint8Array(32).fill(0xab),
): Attester {
  return async (challenge, key) => {
    const chain = await androidChain({
      root,
      key: key.keys,
      challenge: await sha256(challenge),
      packageName: DEMO.packageName,
      signatureDigests: [signingDigest],
      securityLevel: level,
    });
    return JSON.stringify({ platform: 'android', x5c: chain.map(encodeBase64) });
  };
}

/** A development App Attest device: the first answer is an attestation, later ones assertions. */
export function iosAttester(root: DevCa, intermediate: DevCa): Attester {
  let device: AppAttestDevice | undefined;
  return async (challenge, key) => {
    const clientDataHash = await sha256(`${challenge}.${key.jkt}`);
    if (!device) {
      device = await appAttestDevice();
      const attestation = await appAttestation({
        root,
        intermediate,
        device,
        appId: DEMO.appId,
        clientDataHash,
      });
      return JSON.stringify({
        platform: 'ios',
        keyId: encodeBase64(device.keyId),
        attestation: encodeBase64(attestation),
        jkt: key.jkt,
      });
    }
    const assertion = await appAssertion(device, DEMO.appId, clientDataHash);
    return JSON.stringify({
      platform: 'ios',
      keyId: encodeBase64(device.keyId),
      assertion: encodeBase64(assertion),
      jkt: key.jkt,
    });
  };
}

/** Logs in as the demo user with the password authenticator and redeems the code. */
export async function loginAndRedeem(
  env: Pick<DemoEnvironment, 'issuer'>,
  endpoints: Endpoints,
  app: Bootstrapped,
) {
  const steps: StepTrace[] = [];
  const session = new HaapiSession(app.http, app.aat, env.issuer);
  const request = await authorizationRequest(endpoints.authorization, {
    clientId: app.clientId,
    redirectUri: DEMO.redirectUri,
    scope: 'openid profile',
  });
  const response = await session.login(request.url, {
    selectAuthenticator: (options: FormAction[]) =>
      options.find((o) => o.properties?.authenticatorType === 'html-form') ??
      (options[0] as FormAction),
    form: (action) =>
      action.kind === 'login' && action.model.fields?.some((f) => f.type === 'password') === true
        ? { userName: DEMO.username, password: DEMO.password }
        : null,
    onStep: (trace) => steps.push(trace),
  });
  if (response.state !== request.state) throw new Error('the state came back changed');
  const tokens = await exchangeCode(app.http, endpoints.token, {
    code: response.code,
    verifier: request.verifier,
    clientId: app.clientId,
    redirectUri: DEMO.redirectUri,
    auth: await app.tokenAuth(),
  });
  return { steps, claims: claimsOf(tokens.access_token) as Record<string, unknown> };
}

async function run(
  env: DemoEnvironment,
  name: string,
  options: {
    clientId: string;
    attester?: Attester;
    fallback?: { credential: MainClientCredential; device: string };
  },
): Promise<ScenarioResult> {
  const started = Date.now();
  const endpoints = await discover(env.fetch, env.issuer);
  const app = await bootstrap({
    fetch: env.fetch,
    endpoints,
    clientId: options.clientId,
    attester: options.attester,
    fallback: options.fallback && {
      templateId: DEMO.template,
      credential: options.fallback.credential,
      store: env.storeFor(options.fallback.device),
    },
    onEvent: (event, detail) => env.onEvent?.(name, event, detail),
  });
  const { steps, claims } = await loginAndRedeem(env, endpoints, app);
  return {
    name,
    path: app.path,
    clientId: app.clientId,
    ...(app.attestationError ? { attestationError: app.attestationError } : {}),
    claims,
    steps,
    ms: Date.now() - started,
  };
}

export async function jwtCredential(env: DemoEnvironment): Promise<MainClientCredential> {
  return {
    method: 'private_key_jwt',
    privateKey: env.credentials.jwtKey,
    kid: DEMO.jwtKid,
    alg: 'RS256',
  };
}

/** Scenarios 1–5 of the demo, in order (scenario 3 runs twice: register, then reuse). */
export async function runScenarios(env: DemoEnvironment): Promise<ScenarioResult[]> {
  const { credentials } = env;
  const emulator = androidAttester(credentials.androidRoot, SecurityLevel.software);
  const secret: MainClientCredential = { method: 'client_secret_basic', secret: DEMO.secret };
  const mtls: MainClientCredential = {
    method: 'tls_client_auth',
    headers: { 'X-Dev-Client-Certificate': encodeBase64(credentials.mtlsCertificate) },
  };
  const results: ScenarioResult[] = [];
  results.push(
    await run(env, '1 Android app, development key attestation', {
      clientId: DEMO.androidClient,
      attester: androidAttester(credentials.androidRoot),
    }),
  );
  results.push(
    await run(env, '2 iOS app, development App Attest', {
      clientId: DEMO.iosClient,
      attester: iosAttester(credentials.iosRoot, credentials.iosCa),
    }),
  );
  for (const attempt of ['first', 'second']) {
    results.push(
      await run(
        env,
        `3 emulator, software attestation refused → DCR with a secret (${attempt} run)`,
        {
          clientId: DEMO.androidClient,
          attester: emulator,
          fallback: { credential: secret, device: 'emulator-secret' },
        },
      ),
    );
  }
  results.push(
    await run(env, '4 emulator → DCR with private_key_jwt (RS256)', {
      clientId: DEMO.androidClient,
      attester: emulator,
      fallback: { credential: await jwtCredential(env), device: 'emulator-jwt' },
    }),
  );
  results.push(
    await run(env, '5 emulator → DCR with an mTLS certificate', {
      clientId: DEMO.androidClient,
      attester: emulator,
      fallback: { credential: mtls, device: 'emulator-mtls' },
    }),
  );
  return results;
}

/** Scenario 6: a browser login for a person to try, with a WebAuthn device. */
export async function browserLoginUrl(webBase: string): Promise<string> {
  const request = await authorizationRequest(`${webBase}/oauth/v2/oauth-authorize`, {
    clientId: DEMO.webClient,
    redirectUri: 'http://localhost:5173/callback',
    scope: 'openid profile',
  });
  return request.url;
}

/** An in-memory store (tests); the demo keeps a file per device. */
export function memoryStore(): ClientStore {
  let value: Awaited<ReturnType<ClientStore['load']>> = null;
  return {
    load: async () => value,
    save: async (client) => {
      value = client;
    },
    clear: async () => {
      value = null;
    },
  };
}
