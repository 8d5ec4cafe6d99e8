/**
 * The bench's servers: the Worker in one workerd with its storage stand-ins (D1, Durable Objects)
 * in a second (bench/split-worker.ts, bench/store-worker.ts), seeded with the demo configuration
 * and the bench's clients and attestation policies; the crypto floor worker; oidc-provider beside
 * them for the compared jobs. `startBench` returns what the jobs share (bench/jobs/).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { Miniflare } from 'miniflare';
import { DEMO } from '../client/demo/scenarios';
import { DpopKey } from '../client/dpop';
import { encodeBase64 } from '../src/crypto/pem';
import { hashGeneratedSecret } from '../src/crypto/secret-hash';
import { locationObject, REPLAY_SHARDS } from '../src/replay/shards';
import { applySql } from '../test/support/apply-schema';
import { bundleWorker } from '../test/support/bundle-worker';
import { createDevCa } from '../test/support/dev-attestation';
import {
  childPids,
  cpuOf,
  expectOk,
  type Figures,
  INSPECTOR_PORT,
  N,
  N_HEAVY,
  PROFILE,
  stores,
} from './runner';

// ---------- set-up ----------
async function signFixture(type: 'RSA' | 'P-384' | 'P-256') {
  const ca = await createDevCa(`floor ${type}`, undefined, type);
  const data = crypto.getRandomValues(new Uint8Array(600));
  const params = type === 'RSA' ? 'RSASSA-PKCS1-v1_5' : { name: 'ECDSA', hash: 'SHA-256' };
  const signature = new Uint8Array(await crypto.subtle.sign(params, ca.keys.privateKey, data));
  const spki = new Uint8Array(
    (await crypto.subtle.exportKey('spki', ca.keys.publicKey)) as ArrayBuffer,
  );
  return { spki: encodeBase64(spki), data: encodeBase64(data), signature: encodeBase64(signature) };
}

export async function startBench() {
  const dir = join(tmpdir(), `edge-haapi-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  // The Worker with its storage in a second workerd (bench/split-worker.ts, store-worker.ts), so
  // that the CPU counted for it is its own; the passkey job's server keeps both in one process.
  await bundleWorker('bench/split-worker.ts', join(dir, 'main', 'worker.mjs'));
  await bundleWorker('bench/store-worker.ts', join(dir, 'store', 'store.mjs'));
  await bundleWorker('src/index.ts', join(dir, 'whole', 'worker.mjs'));
  await bundleWorker('bench/floor-worker.ts', join(dir, 'floor', 'floor.mjs'));

  const signing = await generateKeyPair('ES256', { extractable: true });
  const signingJwk = { ...(await exportJWK(signing.privateKey)), kid: 'bench', alg: 'ES256' };
  const floorKey = await generateKeyPair('ES256', { extractable: true });
  const fixture = {
    es256: {
      privateJwk: await exportJWK(floorKey.privateKey),
      publicJwk: await exportJWK(floorKey.publicKey),
    },
    rsa4096: await signFixture('RSA'),
    p384: await signFixture('P-384'),
    p256: await signFixture('P-256'),
  };
  const rsaRoot = await createDevCa('bench Android root RSA', undefined, 'RSA');
  const ecRoot = await createDevCa('bench Android root EC', undefined, 'P-384');
  const appleRoot = await createDevCa('bench App Attest root', undefined, 'P-384');
  const appleCa = await createDevCa('bench App Attest CA 1', appleRoot);
  // The demo app's identities, so that the reference client's development attesters answer.
  const [teamId, ...bundle] = DEMO.appId.split('.');
  const policies = {
    'bench-android-rsa': {
      platform: 'android',
      mode: 'non-production',
      packageNames: [DEMO.packageName],
      developmentRoots: [rsaRoot.pem],
    },
    'bench-android-ec': {
      platform: 'android',
      mode: 'non-production',
      packageNames: [DEMO.packageName],
      developmentRoots: [ecRoot.pem],
    },
    'bench-ios': {
      platform: 'ios',
      mode: 'non-production',
      teamId,
      bundleIds: [bundle.join('.')],
      developmentRoots: [appleRoot.pem],
    },
  };

  const bindings: Record<string, string> = {
    ENVIRONMENT: 'development',
    ISSUER: 'http://127.0.0.1:8799',
    SIGNING_KEYS: JSON.stringify({ keys: [signingJwk] }),
    SERVER_SECRET: 'YmVuY2gtc2VydmVyLXNlY3JldC0zMi1ieXRlcy1sb25nISE',
    ATTESTATION: JSON.stringify(policies),
    ATTESTATION_STATUS_URL: '',
    LOGIN_ATTEMPTS_PER_IP: '100000',
    DCR_REGISTRATIONS_PER_IP: '100000',
    DCR_REGISTRATIONS_PER_CLIENT: '100000',
    // One loopback IP sends everything: the per-IP limits would only measure 429s.
    TOKEN_REQUESTS_PER_IP: '0',
    CAT_REQUESTS_PER_IP: '0',
    FLOWS_PER_IP: '0',
    ACCOUNT_CREATIONS_PER_IP: '0',
  };
  const storeMf = new Miniflare({
    name: 'store',
    modules: true,
    scriptPath: join(dir, 'store', 'store.mjs'),
    modulesRoot: join(dir, 'store'),
    compatibilityDate: '2026-04-20',
    d1Databases: ['DB'],
    durableObjects: {
      HAAPI_FLOW: { className: 'HaapiFlow', useSQLite: true },
      REPLAY_GUARD: { className: 'ReplayGuard', useSQLite: true },
    },
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 8796 }],
    host: '127.0.0.1',
    port: 8795,
  });
  await storeMf.ready;
  const storeUrl = `${(await storeMf.unsafeGetDirectURL()).origin}/rpc`;
  const storeWorkerd = childPids('workerd');
  const t0 = performance.now();
  const mf = new Miniflare({
    workers: [
      {
        name: 'main',
        modules: true,
        scriptPath: join(dir, 'main', 'worker.mjs'),
        modulesRoot: join(dir, 'main'),
        compatibilityDate: '2026-04-20',
        bindings: { ...bindings, STORE_URL: storeUrl },
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 8799 }],
      },
      {
        name: 'floor',
        modules: true,
        scriptPath: join(dir, 'floor', 'floor.mjs'),
        modulesRoot: join(dir, 'floor'),
        compatibilityDate: '2026-04-20',
        bindings: { FIXTURE: JSON.stringify(fixture) },
      },
    ],
    host: '127.0.0.1',
    port: 8798,
    ...(PROFILE.length > 0 ? { inspectorPort: INSPECTOR_PORT } : {}),
  });
  await mf.ready;
  // Requests go straight to the Worker's own socket, as on Cloudflare, not through Miniflare's
  // entry worker (its routing and loopback would be counted as ours).
  const base = (await mf.unsafeGetDirectURL('main')).origin;
  const firstResponse = await fetch(`${base}/.well-known/openid-configuration`);
  await firstResponse.text();
  const startupMs = Math.round(performance.now() - t0);
  const workerd = childPids('workerd').filter((pid) => !storeWorkerd.includes(pid));
  if (workerd.length === 0 || storeWorkerd.length === 0)
    throw new Error('workerd process not found');
  stores.pids = storeWorkerd;
  stores.worker = workerd;
  stores.base = base;

  // This location's rate-limit budget objects exist, hold a key and have their sweep alarm armed
  // before the jobs start, as on a server that has been running: an object's first use ever
  // creates its SQLite database and arms its first alarm (64 objects, about 1.4 ms each). The
  // objects of values and keys (challenges, assertions, DPoP keys) are new per value or key, as
  // in production, and their creation is counted.
  const replayGuard = (await storeMf.getDurableObjectNamespace('REPLAY_GUARD')) as unknown as {
    idFromName(name: string): unknown;
    get(id: unknown): { use(key: string, ttlSeconds: number): Promise<string> };
  };
  for (let shard = 0; shard < REPLAY_SHARDS; shard++)
    await replayGuard
      .get(replayGuard.idFromName(locationObject('local', shard)))
      .use('bench-warm-up', 600);
  const db = (await storeMf.getD1Database('DB')) as unknown as D1Database;
  await applySql(db, readFileSync('schema.sql', 'utf8'));
  await applySql(db, readFileSync('seed/demo.sql', 'utf8'));
  const secret = 'b'.repeat(43);
  const secretHash = await hashGeneratedSecret(secret);
  const ccJwtKey = await generateKeyPair('ES256', { extractable: true });
  const ccJwtPublic = { ...(await exportJWK(ccJwtKey.publicKey)), kid: 'cc', alg: 'ES256' };
  const insert = (sql: string, ...values: unknown[]) =>
    db
      .prepare(sql)
      .bind(...values)
      .run();
  await insert(
    `INSERT INTO clients (client_id, secret_hash, grant_types, scopes) VALUES ('bench-secret', ?, '["client_credentials"]', 'read')`,
    secretHash,
  );
  await insert(
    `INSERT INTO clients (client_id, token_endpoint_auth_method, jwks, grant_types, scopes) VALUES ('bench-jwt', 'private_key_jwt', ?, '["client_credentials"]', 'read')`,
    JSON.stringify({ keys: [ccJwtPublic] }),
  );
  await insert(
    `INSERT INTO clients (client_id, secret_hash, grant_types, scopes) VALUES ('bench-registrar', ?, '["client_credentials"]', '')`,
    secretHash,
  );
  await insert(
    `INSERT INTO clients (client_id, client_type, is_template, grant_types, scopes, redirect_uris, capabilities, authenticate_client_by) VALUES ('bench-template', 'confidential', 1, '["authorization_code","client_credentials"]', 'openid', '["app://haapi"]', '{"code":true,"haapi":true,"allowWithoutAttestation":true}', 'bench-registrar')`,
  );
  await insert(
    `INSERT INTO clients (client_id, secret_hash, grant_types, scopes, redirect_uris, capabilities) VALUES ('bench-haapi', ?, '["authorization_code","client_credentials"]', 'openid', '["app://haapi"]', '{"code":true,"haapi":true,"allowWithoutAttestation":true}')`,
    secretHash,
  );
  for (const policy of Object.keys(policies)) {
    await insert(
      `INSERT INTO clients (client_id, client_type, token_endpoint_auth_method, grant_types, scopes, redirect_uris, capabilities, attestation_policy) VALUES (?, 'public', 'none', '["client_credentials","authorization_code"]', 'openid', '["app://haapi"]', '{"code":true,"haapi":true}', ?)`,
      policy,
      policy,
    );
  }

  const token = `${base}/oauth/v2/oauth-token`;
  const basic = (id: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const form = (body: Record<string, string>, headers: Record<string, string> = {}) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });
  const postForm = async (
    url: string,
    body: Record<string, string>,
    headers: Record<string, string>,
    what: string,
  ) => expectOk(await fetch(url, form(body, headers)), what);
  const dpopKeys = (count: number) => Promise.all(Array.from({ length: count }, DpopKey.generate));
  let nonce: string | undefined;
  const withNonce = async (send: (n?: string) => Promise<Response>): Promise<Response> => {
    let res = await send(nonce);
    const fresh = res.headers.get('DPoP-Nonce');
    if (fresh) nonce = fresh;
    if (
      (res.status === 400 || res.status === 401) &&
      fresh &&
      (await res.clone().text()).includes('use_dpop_nonce')
    )
      res = await send(nonce);
    return res;
  };

  const results: Record<string, Figures & { floor_us?: number }> = {};
  const floorWorker = await mf.getWorker('floor');
  const floorCpu = async (ops: Record<string, number>): Promise<number> => {
    let total = 0;
    for (const [op, count] of Object.entries(ops)) {
      const reps = op === 'pbkdf2' ? 20 : 200;
      await floorWorker.fetch(`http://floor/?op=${op}&n=5`);
      const before = cpuOf(workerd);
      await floorWorker.fetch(`http://floor/?op=${op}&n=${reps}`);
      total += ((cpuOf(workerd) - before) / reps) * count;
    }
    return Math.round(total / 10) / 100;
  };

  // ---------- oidc-provider, running beside workerd for the compared jobs ----------
  const opSigning = await generateKeyPair('ES256', { extractable: true });
  const opClientKey = await generateKeyPair('ES256', { extractable: true });
  const child = spawn(process.execPath, ['bench/oidc-provider-server.mjs'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      BENCH_OIDC: JSON.stringify({
        secret,
        initialAccessToken: 'bench-initial-access-token',
        signingJwk: {
          ...(await exportJWK(opSigning.privateKey)),
          kid: 'op',
          alg: 'ES256',
          use: 'sig',
        },
        clientJwk: { ...(await exportJWK(opClientKey.publicKey)), kid: 'cc', alg: 'ES256' },
      }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<{ port: number; issuer: string }>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
    child.once('exit', (code) => reject(new Error(`oidc-provider exited ${code}`)));
  });
  const op = [child.pid as number];
  process.on('exit', () => child.kill());
  const opToken = `${ready.issuer}/token`;
  const theirs: Record<string, Figures> = {};

  console.log(
    `edge-haapi bench: ${N} units per job (${N_HEAVY} for attestation and logins), startup ${startupMs} ms`,
  );

  return {
    dir,
    bindings,
    rsaRoot,
    ecRoot,
    appleRoot,
    appleCa,
    mf,
    storeMf,
    base,
    startupMs,
    workerd,
    secret,
    ccJwtKey,
    token,
    basic,
    form,
    postForm,
    dpopKeys,
    withNonce,
    results,
    floorCpu,
    opClientKey,
    child,
    ready,
    op,
    opToken,
    theirs,
  };
}

/** The running servers and what the jobs share. */
export type Bench = Awaited<ReturnType<typeof startBench>>;
