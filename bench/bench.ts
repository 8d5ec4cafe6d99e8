/**
 * `npm run bench`: CPU per request of edge-haapi's jobs inside workerd (Miniflare API, real local
 * D1 and Durable Objects), their crypto floor measured in the same workerd, and the same jobs on
 * oidc-provider, in one run. CPU is read the same way on both sides: the server process's
 * scheduler time (the schedstat of every thread in /proc, nanoseconds) over the number of requests; the
 * client side (this process) is not counted. Writes bench/results.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Miniflare } from 'miniflare';
import type { Attester } from '../client/bootstrap';
import { androidAttester, DEMO, iosAttester } from '../client/demo/scenarios';
import { DpopKey } from '../client/dpop';
import { encodeBase64 } from '../src/crypto/pem';
import { hashGeneratedSecret } from '../src/crypto/secret-hash';
import { locationObject, REPLAY_SHARDS } from '../src/replay/shards';
import { applySql } from '../test/support/apply-schema';
import { bundleWorker } from '../test/support/bundle-worker';
import { createDevCa } from '../test/support/dev-attestation';
import { printGeo, runGeo } from './geo';
import { passkeyLogin, startPasskeyServer } from './passkey-login';

type Json = Record<string, unknown>;
const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_UNITS) || (QUICK ? 40 : 300);
const N_HEAVY = QUICK ? 15 : 80;
const WARM_UP = 20;
/** Jobs to profile through workerd's inspector (comma-separated job names; see bench/profiler.ts). */
const PROFILE = (process.env.BENCH_PROFILE ?? '').split(',').filter(Boolean);
const INSPECTOR_PORT = 9229;
/** Jobs to run (comma-separated); the others report zeros. For quick before/after checks. */
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const PARTIAL = PROFILE.length > 0 || ONLY.length > 0;

// ---------- process measurement ----------
function schedNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread ended while we read
    }
  }
  return total;
}
function peakRssKib(pid: number): number {
  const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}
function childPids(name: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return comm.startsWith(name) && ppid === process.pid;
      } catch {
        return false;
      }
    });
}
const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + schedNs(pid), 0);

interface Figures {
  n: number;
  requests_per_unit: number;
  /** The Worker's own CPU (its workerd process). */
  cpu_us_per_unit: number;
  /** The local stand-ins for D1 and Durable Objects (a second workerd; on Cloudflare, elsewhere). */
  storage_cpu_us_per_unit?: number;
  /** Storage calls the Worker sent per unit (deferred ones included), and their mean wall time. */
  storage_calls_per_unit?: number;
  storage_call_ms?: number;
  /**
   * The Worker's CPU less its storage calls' transport (calls × the measured cost of one empty
   * call taking as long as the job's calls did): compute, to compare with oidc-provider's, whose
   * in-memory adapter makes no calls.
   */
  compute_us_per_unit?: number;
  units_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

/** A job's unit of work on one server: the measured call and the uncounted set-up before it. */
interface Side {
  pids: number[];
  unit: (i: number) => Promise<void>;
  prepare?: (i: number) => Promise<void>;
}

/** The storage process, whose CPU is reported beside the Worker's (set once both run). */
const stores: { pids: number[]; worker: number[]; base: string } = {
  pids: [],
  worker: [],
  base: '',
};

/** The split Worker's storage calls so far and their summed wall time (bench/split-worker.ts). */
async function storageCalls(): Promise<{ calls: number; ms: number }> {
  const res = await fetch(`${stores.base}/__bench/storage-calls`);
  return (await res.json()) as { calls: number; ms: number };
}

interface Sample {
  n: number;
  cpuNs: number;
  storageNs: number;
  /** Storage calls sent during the units (undefined where the server is not the split one). */
  calls: { calls: number; ms: number } | undefined;
  wallMs: number;
  latencies: number[];
}

const skipped = (requestsPerUnit: number): Figures => ({
  n: 0,
  requests_per_unit: requestsPerUnit,
  cpu_us_per_unit: 0,
  units_per_s: 0,
  p50_ms: 0,
  p99_ms: 0,
});

/** Runs `job` (BENCH_ONLY may skip it; BENCH_PROFILE profiles the Worker while it runs). */
async function runJob<T>(job: string, skip: () => T, run: () => Promise<T>): Promise<T> {
  if (ONLY.length > 0 && !ONLY.includes(job)) return skip();
  if (!PROFILE.includes(job)) return run();
  const { profileWorker } = await import('./profiler');
  return profileWorker(INSPECTOR_PORT, 'main', job, run);
}

async function measure(
  job: string,
  pids: number[],
  n: number,
  requestsPerUnit: number,
  unit: (i: number) => Promise<void>,
  prepare?: (i: number) => Promise<void>,
): Promise<Figures> {
  return runJob(
    job,
    () => skipped(requestsPerUnit),
    async () => {
      const side = { pids, unit, prepare };
      await warmUp(side, n);
      return figures([await runUnits(side, 0, n)], requestsPerUnit);
    },
  );
}

/**
 * The same job on edge-haapi and on oidc-provider, in alternating blocks, so that whatever else
 * the machine does while it runs weighs on both sides alike.
 */
async function compare(
  job: string,
  ours: Side,
  theirs: Side,
  n: number,
): Promise<[Figures, Figures]> {
  return runJob(
    job,
    () => [skipped(1), skipped(1)],
    async () => {
      await warmUp(ours, n);
      await warmUp(theirs, n);
      const blocks = 6;
      const size = Math.ceil(n / blocks);
      const samples: [Sample[], Sample[]] = [[], []];
      for (let from = 0; from < n; from += size) {
        const count = Math.min(size, n - from);
        samples[0].push(await runUnits(ours, from, count));
        samples[1].push(await runUnits(theirs, from, count));
      }
      return [figures(samples[0], 1), figures(samples[1], 1)];
    },
  );
}

/**
 * Warm-up, not counted: JIT-compiled code paths and warm caches, as on a server that has been
 * running (both sides get the same). Its units have the indices after the `n` counted ones.
 */
async function warmUp(side: Side, n: number): Promise<void> {
  for (let i = n; i < n + Math.min(WARM_UP, n); i++) {
    await side.prepare?.(i);
    await side.unit(i);
  }
}

/** Units `from` … `from + count - 1`: the server's CPU and the client's latency of each. */
async function runUnits(side: Side, from: number, count: number): Promise<Sample> {
  const latencies: number[] = [];
  let cpuNs = 0;
  let storageNs = 0;
  let wallMs = 0;
  const split = side.pids === stores.worker;
  const storagePids = split ? stores.pids : [];
  const callsBefore = split ? await storageCalls() : undefined;
  for (let i = from; i < from + count; i++) {
    await side.prepare?.(i);
    const before = cpuOf(side.pids);
    const storageBefore = cpuOf(storagePids);
    const t0 = performance.now();
    await side.unit(i);
    const elapsed = performance.now() - t0;
    cpuNs += cpuOf(side.pids) - before;
    storageNs += cpuOf(storagePids) - storageBefore;
    latencies.push(elapsed);
    wallMs += elapsed;
  }
  const after = callsBefore ? await storageCalls() : undefined;
  const calls =
    callsBefore && after
      ? { calls: after.calls - callsBefore.calls, ms: after.ms - callsBefore.ms }
      : undefined;
  return { n: count, cpuNs, storageNs, calls, wallMs, latencies };
}

function figures(samples: readonly Sample[], requestsPerUnit: number): Figures {
  const n = samples.reduce((sum, s) => sum + s.n, 0);
  const cpuNs = samples.reduce((sum, s) => sum + s.cpuNs, 0);
  const storageNs = samples.reduce((sum, s) => sum + s.storageNs, 0);
  const split = samples.every((s) => s.calls !== undefined);
  const calls = samples.reduce((sum, s) => sum + (s.calls?.calls ?? 0), 0);
  const callMs = samples.reduce((sum, s) => sum + (s.calls?.ms ?? 0), 0);
  const wallMs = samples.reduce((sum, s) => sum + s.wallMs, 0);
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  return {
    n,
    requests_per_unit: requestsPerUnit,
    cpu_us_per_unit: Math.round(cpuNs / n / 10) / 100,
    storage_cpu_us_per_unit: Math.round(storageNs / n / 10) / 100,
    ...(split
      ? {
          storage_calls_per_unit: Math.round((calls / n) * 100) / 100,
          storage_call_ms: calls > 0 ? Math.round((callMs / calls) * 100) / 100 : 0,
        }
      : {}),
    units_per_s: Math.round((n / wallMs) * 1000 * 10) / 10,
    p50_ms: Math.round((latencies[Math.floor(n * 0.5)] ?? 0) * 100) / 100,
    p99_ms: Math.round((latencies[Math.min(n - 1, Math.floor(n * 0.99))] ?? 0) * 100) / 100,
  };
}

/**
 * The Worker's CPU for one storage call's transport when calls take `ms` each: requests making
 * TRANSPORT_CALLS empty calls in a row (the store answers each after a wait that brings it to
 * `ms`), less requests making none, over TRANSPORT_CALLS (bench/split-worker.ts). Waiting costs
 * the Worker's thread CPU here (its waking up again), so the wait matters: about 0.3 ms a call
 * answered at once, 0.45–0.7 ms one answered after 4 ms, on this machine.
 */
const TRANSPORT_CALLS = 8;
const TRANSPORT_UNITS = 300;
const transportByWait = new Map<number, number>();
async function transportCostUs(ms: number): Promise<number> {
  const side = (calls: number, wait: number): Side => ({
    pids: stores.worker,
    unit: async () => {
      await (await fetch(`${stores.base}/__bench/transport?n=${calls}&wait=${wait}`)).text();
    },
  });
  // An empty call's own time, taken out of the wait.
  const own = await fetch(`${stores.base}/__bench/transport?n=${TRANSPORT_CALLS * 10}`);
  const ownMs = ((await own.json()) as { ms: number }).ms / (TRANSPORT_CALLS * 10);
  const wait = Math.max(0, Math.round(ms - ownMs));
  const known = transportByWait.get(wait);
  if (known !== undefined) return known;
  // Alternating blocks with and without the calls, as compare() does, so that the machine's
  // drift weighs on both.
  const none = side(0, 0);
  const some = side(TRANSPORT_CALLS, wait);
  await warmUp(none, TRANSPORT_UNITS);
  await warmUp(some, TRANSPORT_UNITS);
  const samples: [Sample[], Sample[]] = [[], []];
  const block = TRANSPORT_UNITS / 6;
  for (let from = 0; from < TRANSPORT_UNITS; from += block) {
    samples[0].push(await runUnits(none, from, block));
    samples[1].push(await runUnits(some, from, block));
  }
  const [a, b] = samples.map((s) => figures(s, 1).cpu_us_per_unit) as [number, number];
  const cost = Math.max(0, Math.round(((b - a) / TRANSPORT_CALLS) * 100) / 100);
  transportByWait.set(wait, cost);
  return cost;
}

/** Each split job's compute: its CPU less its storage calls' transport (see transportCostUs). */
async function withCompute(results: Record<string, Figures>): Promise<Record<string, number>> {
  const perCall: Record<string, number> = {};
  for (const [job, r] of Object.entries(results)) {
    if (r.storage_calls_per_unit === undefined || r.n === 0) continue;
    const cost = r.storage_calls_per_unit > 0 ? await transportCostUs(r.storage_call_ms ?? 0) : 0;
    perCall[job] = cost;
    r.compute_us_per_unit = Math.round(r.cpu_us_per_unit - r.storage_calls_per_unit * cost);
  }
  return perCall;
}

async function expectOk(res: Response, what: string): Promise<Json> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Json) : {};
}

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

async function main(): Promise<void> {
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
  // Baseline: the cheapest request through the app (middleware, routing, not-found boundary).
  results.baseline = await measure('baseline', workerd, N, 1, async () => {
    await (await fetch(`${base}/bench-baseline`)).text();
  });
  // The jobs oidc-provider also does run in alternating blocks on both servers (see compare()).
  [results.cc_secret, theirs.cc_secret] = await compare(
    'cc_secret',
    {
      pids: workerd,
      unit: async () => {
        const body = { grant_type: 'client_credentials' };
        await postForm(token, body, { Authorization: basic('bench-secret') }, 'cc secret');
      },
    },
    {
      pids: op,
      unit: async () => {
        const body = { grant_type: 'client_credentials', scope: 'read' };
        await postForm(opToken, body, { Authorization: basic('cc-secret') }, 'op cc secret');
      },
    },
    N,
  );
  results.cc_secret.floor_us = await floorCpu({ es256_sign: 1 });
  const assertion = (key: CryptoKey, clientId: string, audience: string) =>
    new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'cc' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setExpirationTime('2m')
      .sign(key);
  const jwtGrant = (clientAssertion: string, scope?: string) =>
    form({
      grant_type: 'client_credentials',
      ...(scope ? { scope } : {}),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    });
  const assertions: string[] = [];
  const opAssertions: string[] = [];
  [results.cc_private_key_jwt, theirs.cc_private_key_jwt] = await compare(
    'cc_private_key_jwt',
    {
      pids: workerd,
      unit: async (i) => {
        await expectOk(await fetch(token, jwtGrant(assertions[i] as string)), 'cc jwt');
      },
      prepare: async (i) => {
        assertions[i] = await assertion(ccJwtKey.privateKey, 'bench-jwt', 'http://127.0.0.1:8799');
      },
    },
    {
      pids: op,
      unit: async (i) => {
        await expectOk(await fetch(opToken, jwtGrant(opAssertions[i] as string, 'read')), 'op jwt');
      },
      prepare: async (i) => {
        opAssertions[i] = await assertion(opClientKey.privateKey, 'cc-jwt', ready.issuer);
      },
    },
    N,
  );
  results.cc_private_key_jwt.floor_us = await floorCpu({ es256_verify: 1, es256_sign: 1 });
  const iats: string[] = [];
  [results.dcr_registration, theirs.dcr_registration] = await compare(
    'dcr_registration',
    {
      pids: workerd,
      unit: async (i) => {
        const res = await fetch(`${base}/oauth/v2/oauth-registration`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${iats[i]}` },
          body: '{"software_id":"bench-template"}',
        });
        await expectOk(res, 'dcr');
      },
      prepare: async (i) => {
        const body = { grant_type: 'client_credentials', scope: 'dcr' };
        iats[i] = (await postForm(token, body, { Authorization: basic('bench-registrar') }, 'iat'))
          .access_token as string;
      },
    },
    {
      pids: op,
      unit: async () => {
        const res = await fetch(`${ready.issuer}/reg`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: 'Bearer bench-initial-access-token',
          },
          body: JSON.stringify({
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
            token_endpoint_auth_method: 'client_secret_basic',
          }),
        });
        await expectOk(res, 'op dcr');
      },
    },
    N,
  );
  results.dcr_registration.floor_us = await floorCpu({ es256_verify: 1 });

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

  // HAAPI: one step (GET of the current step with AAT + DPoP), and a whole password login.
  const loginKey = await DpopKey.generate();
  const aatFor = async (key: DpopKey) =>
    (
      await expectOk(
        await withNonce(async (n) =>
          fetch(
            token,
            form(
              { grant_type: 'client_credentials', scope: 'urn:se:curity:scopes:haapi' },
              {
                Authorization: basic('bench-haapi'),
                DPoP: await key.proof('POST', token, { nonce: n }),
              },
            ),
          ),
        ),
        'aat',
      )
    ).access_token as string;
  const haapiCall = async (
    key: DpopKey,
    aat: string,
    method: string,
    path: string,
    session?: string,
    body?: string,
  ) =>
    withNonce(async (n) => {
      const url = new URL(path, base).href;
      const headers: Record<string, string> = {
        Accept: 'application/vnd.auth+json',
        Authorization: `DPoP ${aat}`,
        DPoP: await key.proof(method, url, { accessToken: aat, nonce: n }),
      };
      if (session) headers['Session-Id'] = session;
      if (body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
      return fetch(url, { method, headers, body });
    });
  const authorizePath =
    '/oauth/v2/oauth-authorize?client_id=bench-haapi&response_type=code&redirect_uri=app%3A%2F%2Fhaapi&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256';
  const stepAat = await aatFor(loginKey);
  const started = await haapiCall(loginKey, stepAat, 'GET', authorizePath);
  const session = started.headers.get('Set-Session-Id') as string;
  const stepHref = ((await started.json()) as { actions: { model: { href: string } }[] }).actions[0]
    ?.model.href as string;
  results.haapi_step = await measure('haapi_step', workerd, N, 1, async () => {
    await expectOk(await haapiCall(loginKey, stepAat, 'GET', stepHref, session), 'step');
  });
  results.haapi_step.floor_us = await floorCpu({ es256_verify: 2 });

  // workerd CPU of each of the login's requests, summed over the counted units.
  const loginSteps: Record<string, number> = {};
  let countSteps = false;
  const timed = async <T>(name: string, request: () => Promise<T>): Promise<T> => {
    const before = cpuOf(workerd);
    const result = await request();
    if (countSteps) loginSteps[name] = (loginSteps[name] ?? 0) + cpuOf(workerd) - before;
    return result;
  };
  const login = async (key: DpopKey) => {
    const aat = await timed('aat', () => aatFor(key));
    const first = await timed('authorize', () => haapiCall(key, aat, 'GET', authorizePath));
    const sid = first.headers.get('Set-Session-Id') as string;
    const href = ((await first.json()) as { actions: { model: { href: string } }[] }).actions[0]
      ?.model.href as string;
    const redirect = (await expectOk(
      await timed('password', () =>
        haapiCall(key, aat, 'POST', href, sid, 'userName=demo&password=Password1'),
      ),
      'login',
    )) as { actions: { model: { href: string } }[] };
    const done = (await expectOk(
      await timed('resume', () =>
        haapiCall(key, aat, 'GET', redirect.actions[0]?.model.href as string, sid),
      ),
      'resume',
    )) as { properties: { code: string } };
    const res = await timed('code', () =>
      withNonce(async (n) =>
        fetch(
          token,
          form(
            {
              grant_type: 'authorization_code',
              code: done.properties.code,
              redirect_uri: 'app://haapi',
              code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
            },
            {
              Authorization: basic('bench-haapi'),
              DPoP: await key.proof('POST', token, { nonce: n }),
            },
          ),
        ),
      ),
    );
    await expectOk(res, 'code');
  };
  const loginKeys = await dpopKeys(N_HEAVY + WARM_UP);
  results.password_login = await measure('password_login', workerd, N_HEAVY, 5, async (i) => {
    countSteps = i < N_HEAVY; // warm-up units have the indices after the counted ones
    await login(loginKeys[i] as DpopKey);
  });
  const loginStepsUs = Object.fromEntries(
    Object.entries(loginSteps).map(([name, ns]) => [name, Math.round(ns / N_HEAVY / 1000)]),
  );
  results.password_login.floor_us = await floorCpu({ es256_verify: 7, es256_sign: 3, pbkdf2: 1 });
  const pbkdf2Us = await floorCpu({ pbkdf2: 1 });

  // A passkey login in a browser, on a second workerd whose Worker also has the WebAuthn
  // authenticator (bench/passkey-login.ts).
  if (ONLY.length === 0 || ONLY.includes('passkey_login')) {
    const known = new Set(childPids('workerd'));
    const server = await startPasskeyServer({
      scriptPath: join(dir, 'whole', 'worker.mjs'),
      modulesRoot: join(dir, 'whole'),
      bindings,
      port: 8801,
      setUpDb: async (passkeyDb) => {
        await applySql(passkeyDb, readFileSync('schema.sql', 'utf8'));
        await applySql(passkeyDb, readFileSync('seed/demo.sql', 'utf8'));
      },
    });
    const passkeyWorkerd = childPids('workerd').filter((pid) => !known.has(pid));
    results.passkey_login = await measure('passkey_login', passkeyWorkerd, N_HEAVY, 6, () =>
      passkeyLogin(server),
    );
    await server.mf.dispose();
  } else {
    results.passkey_login = skipped(6);
  }
  results.passkey_login.floor_us = await floorCpu({ es256_verify: 1, es256_sign: 2 });
  const workerdPeakKib = workerd.reduce((m, pid) => Math.max(m, peakRssKib(pid)), 0);
  const transportUs = await withCompute(results as Record<string, Figures>);
  await mf.dispose();
  await storeMf.dispose();
  // The geo model: the demo's logins for a far user against a central server (bench/geo.ts).
  const geo = ONLY.length === 0 || ONLY.includes('geo') ? await runGeo(dir) : null;
  if (geo) printGeo(geo);
  if (PARTIAL) {
    // Partial runs (BENCH_ONLY, BENCH_PROFILE; profiling slows the sampled isolate) are for
    // comparing changes and reading profiles: they do not replace bench/results.json.
    console.log('transport, µs per storage call:', transportUs);
    console.table(results);
    console.table(theirs);
    console.log('login requests, CPU µs each:', loginStepsUs);
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    return;
  }

  const opPeakKib = peakRssKib(child.pid as number);
  child.kill();

  // ---------- bundle ----------
  const outdir = join(dir, 'dry-run');
  execFileSync(
    process.execPath,
    ['node_modules/wrangler/bin/wrangler.js', 'deploy', '--dry-run', '--outdir', outdir],
    {
      stdio: 'ignore',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  );
  const bundleFile = readdirSync(outdir).find((f) => f.endsWith('.js')) as string;
  const raw = readFileSync(join(outdir, bundleFile));
  const bundleKib = {
    raw: Math.round(statSync(join(outdir, bundleFile)).size / 102.4) / 10,
    gzip: Math.round(gzipSync(raw).length / 102.4) / 10,
  };
  rmSync(dir, { recursive: true, force: true });

  // ---------- figures ----------
  const baseline = results.baseline.cpu_us_per_unit;
  const aboveFloor = (job: string) => {
    const r = results[job] as Figures & { floor_us: number };
    return (
      Math.round(((r.cpu_us_per_unit - baseline * r.requests_per_unit) / r.floor_us) * 100) / 100
    );
  };
  const vs = (job: string) =>
    Math.round(
      ((results[job] as Figures).cpu_us_per_unit / (theirs[job] as Figures).cpu_us_per_unit) * 100,
    ) / 100;
  const vsCompute = (job: string) =>
    Math.round(
      (((results[job] as Figures).compute_us_per_unit ?? 0) /
        (theirs[job] as Figures).cpu_us_per_unit) *
        100,
    ) / 100;
  const loginWithout =
    Math.round(((results.password_login as Figures).cpu_us_per_unit - pbkdf2Us) / 10) / 100;
  const output = {
    machine: {
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      date: new Date().toISOString(),
      quick: QUICK,
    },
    ratios: {
      cc_secret_vs_oidc_provider: vs('cc_secret'),
      cc_private_key_jwt_vs_oidc_provider: vs('cc_private_key_jwt'),
      dcr_vs_oidc_provider: vs('dcr_registration'),
      cc_secret_compute_vs_oidc_provider: vsCompute('cc_secret'),
      cc_private_key_jwt_compute_vs_oidc_provider: vsCompute('cc_private_key_jwt'),
      dcr_compute_vs_oidc_provider: vsCompute('dcr_registration'),
      android_rsa_over_floor: aboveFloor('android_rsa'),
      android_ec_over_floor: aboveFloor('android_ec'),
      app_attest_over_floor: aboveFloor('app_attest'),
      haapi_step_over_floor: aboveFloor('haapi_step'),
      passkey_login_over_floor: aboveFloor('passkey_login'),
    },
    transport_us_per_storage_call: transportUs,
    login_cpu_ms_without_pbkdf2: loginWithout,
    login_request_cpu_us: loginStepsUs,
    login_cpu_ms_with_pbkdf2:
      Math.round((results.password_login as Figures).cpu_us_per_unit / 10) / 100,
    pbkdf2_us: pbkdf2Us,
    bundle_kib: bundleKib.raw,
    bundle_gzip_kib: bundleKib.gzip,
    startup_ms: startupMs,
    peak_rss_kib: { workerd: workerdPeakKib, oidc_provider: opPeakKib },
    edge_haapi: results,
    oidc_provider: theirs,
    geo,
  };
  mkdirSync('bench', { recursive: true });
  writeFileSync('bench/results.json', `${JSON.stringify(output, null, 2)}\n`);
  const rows = Object.entries(results).map(([job, r]) => ({
    job,
    'cpu µs/unit': r.cpu_us_per_unit,
    'floor µs': r.floor_us ?? '',
    'units/s': r.units_per_s,
    'p50 ms': r.p50_ms,
    'p99 ms': r.p99_ms,
    'oidc-provider µs': theirs[job]?.cpu_us_per_unit ?? '',
  }));
  console.table(rows);
  console.log(
    JSON.stringify(
      {
        ratios: output.ratios,
        login_cpu_ms_without_pbkdf2: loginWithout,
        bundle: bundleKib,
        startup_ms: startupMs,
        peak_rss_kib: output.peak_rss_kib,
      },
      null,
      2,
    ),
  );
}

await main();
