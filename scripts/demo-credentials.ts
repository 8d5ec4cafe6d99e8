/**
 * Development credentials for the local demo (`npm start` runs this through scripts/run-ts.mjs;
 * idempotent): in `.local/demo/` (git-ignored) a development Android attestation root, an App
 * Attest-like root and intermediate, an mTLS CA with one device certificate, and an RS256 key of
 * `haapi-android-client`. Prints what the set-up needs as JSON: the `.dev.vars` lines and the SQL
 * that registers the client's JWKS and certificate subject. Nothing here is trusted in production
 * (the DEV_* settings are refused there).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, importJWK, type JWK } from 'jose';
import { DEMO } from '../client/demo/scenarios';
import {
  clientCertificate,
  createDevCa,
  type DevCa,
  ecKeyPair,
  exportDevCa,
  importDevCa,
  rsaKeyPair,
  type SavedDevCa,
} from '../client/dev-attestation';
import { encodeBase64 } from '../src/crypto/pem';

export const DEMO_DIR = '.local/demo';
const MTLS_CA = 'edge-haapi Development mTLS CA';

export interface DemoFiles {
  androidRoot: DevCa;
  iosRoot: DevCa;
  iosCa: DevCa;
  mtlsCa: DevCa;
  mtlsCertificate: Uint8Array;
  jwtPrivate: JWK;
  jwtPublic: JWK;
}

async function ca(file: string, make: () => Promise<DevCa>): Promise<DevCa> {
  const path = join(DEMO_DIR, file);
  if (existsSync(path)) return importDevCa(JSON.parse(readFileSync(path, 'utf8')) as SavedDevCa);
  const made = await make();
  writeFileSync(path, JSON.stringify(await exportDevCa(made), null, 2), { mode: 0o600 });
  return made;
}

/** Loads the demo credentials, creating any that are missing. */
export async function demoFiles(): Promise<DemoFiles> {
  mkdirSync(DEMO_DIR, { recursive: true });
  const androidRoot = await ca('android-root.json', () =>
    createDevCa('edge-haapi Development Android Attestation Root'),
  );
  const iosRoot = await ca('ios-root.json', () =>
    createDevCa('edge-haapi Development App Attestation Root'),
  );
  const iosCa = await ca('ios-ca.json', () =>
    createDevCa('edge-haapi Development App Attestation CA', iosRoot),
  );
  const mtlsCa = await ca('mtls-ca.json', () => createDevCa(MTLS_CA));
  const devicePath = join(DEMO_DIR, 'mtls-device.json');
  if (!existsSync(devicePath)) {
    const key = await ecKeyPair();
    const der = await clientCertificate(mtlsCa, key, DEMO.mtlsSubject.slice(3));
    const saved = { certificate: encodeBase64(der), privateJwk: await exportJWK(key.privateKey) };
    writeFileSync(devicePath, JSON.stringify(saved, null, 2), { mode: 0o600 });
  }
  const device = JSON.parse(readFileSync(devicePath, 'utf8')) as { certificate: string };
  const jwtPath = join(DEMO_DIR, 'android-client-rs256.json');
  if (!existsSync(jwtPath)) {
    const pair = await rsaKeyPair();
    const extra = { kid: DEMO.jwtKid, alg: 'RS256' };
    const saved = {
      privateJwk: { ...(await exportJWK(pair.privateKey)), ...extra },
      publicJwk: { ...(await exportJWK(pair.publicKey)), ...extra },
    };
    writeFileSync(jwtPath, JSON.stringify(saved, null, 2), { mode: 0o600 });
  }
  const jwt = JSON.parse(readFileSync(jwtPath, 'utf8')) as { privateJwk: JWK; publicJwk: JWK };
  return {
    androidRoot,
    iosRoot,
    iosCa,
    mtlsCa,
    mtlsCertificate: Uint8Array.from(Buffer.from(device.certificate, 'base64')),
    jwtPrivate: jwt.privateJwk,
    jwtPublic: jwt.publicJwk,
  };
}

export async function jwtPrivateKey(files: DemoFiles): Promise<CryptoKey> {
  return (await importJWK(files.jwtPrivate, 'RS256')) as CryptoKey;
}

const oneLine = (pem: string) => pem.trim().replace(/\n/g, '\\n');

export async function main(): Promise<number> {
  const files = await demoFiles();
  const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;
  const jwks = JSON.stringify({ keys: [files.jwtPublic] });
  process.stdout.write(
    `${JSON.stringify({
      devVars: {
        DEV_ATTESTATION_ROOTS: `${oneLine(files.androidRoot.pem)}\\n${oneLine(files.iosRoot.pem)}`,
        DEV_CLIENT_CERTIFICATE_HEADER: 'true',
        DEV_MTLS_CA: oneLine(files.mtlsCa.pem),
      },
      sql: `UPDATE clients SET jwks = ${sqlText(jwks)}, tls_subject_dn = ${sqlText(DEMO.mtlsSubject)}, tls_issuer_dn = ${sqlText(`CN=${MTLS_CA}`)} WHERE client_id = ${sqlText(DEMO.androidClient)};`,
    })}\n`,
  );
  return 0;
}
