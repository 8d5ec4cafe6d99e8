/**
 * The demo's credentials made the way `npm start`'s set-up makes them, but thrown away after the
 * run (the demo-scenarios test and the bench's geo model): development attestation roots, the
 * Android client's RS256 key and mTLS CA with a device certificate, registered on the Android
 * client in D1; and in-memory device stores for the reference client.
 */
import { exportJWK } from 'jose';
import type { ClientStore } from '../../client/bootstrap';
import { DEMO, type DemoCredentials, memoryStore } from '../../client/demo/scenarios';
import {
  clientCertificate,
  createDevCa,
  type DevCa,
  ecKeyPair,
  rsaKeyPair,
} from '../../client/dev-attestation';

export interface ThrowAwayDemo {
  readonly credentials: DemoCredentials;
  readonly mtlsCa: DevCa;
  readonly jwtPublicKey: CryptoKey;
}

export async function throwAwayDemo(): Promise<ThrowAwayDemo> {
  const androidRoot = await createDevCa('edge-haapi Development Android Attestation Root');
  const iosRoot = await createDevCa('edge-haapi Development App Attestation Root');
  const iosCa = await createDevCa('edge-haapi Development App Attestation CA', iosRoot);
  const mtlsCa = await createDevCa('edge-haapi Development mTLS CA');
  const jwt = await rsaKeyPair();
  const mtlsCertificate = await clientCertificate(
    mtlsCa,
    await ecKeyPair(),
    DEMO.mtlsSubject.slice('CN='.length),
  );
  return {
    credentials: { androidRoot, iosRoot, iosCa, jwtKey: jwt.privateKey, mtlsCertificate },
    mtlsCa,
    jwtPublicKey: jwt.publicKey,
  };
}

/** The Android client's JWKS and mTLS subject for the throw-away key and CA. */
export async function registerDemoKeys(db: D1Database, demo: ThrowAwayDemo): Promise<void> {
  await db
    .prepare(
      'UPDATE clients SET jwks = ?, tls_subject_dn = ?, tls_issuer_dn = ? WHERE client_id = ?',
    )
    .bind(
      JSON.stringify({
        keys: [{ ...(await exportJWK(demo.jwtPublicKey)), kid: DEMO.jwtKid, alg: 'RS256' }],
      }),
      DEMO.mtlsSubject,
      `CN=${demo.mtlsCa.name}`,
      DEMO.androidClient,
    )
    .run();
}

/** The settings that make the Worker trust the throw-away roots and CA. */
export function demoDevelopmentVars(demo: ThrowAwayDemo): Record<string, string> {
  return {
    DEV_ATTESTATION_ROOTS: `${demo.credentials.androidRoot.pem}\n${demo.credentials.iosRoot.pem}`,
    DEV_CLIENT_CERTIFICATE_HEADER: 'true',
    DEV_MTLS_CA: demo.mtlsCa.pem,
  };
}

/** A device store per device name, in memory. */
export function memoryStores(): (device: string) => ClientStore {
  const stores = new Map<string, ClientStore>();
  return (device) => {
    let store = stores.get(device);
    if (!store) {
      store = memoryStore();
      stores.set(device, store);
    }
    return store;
  };
}
