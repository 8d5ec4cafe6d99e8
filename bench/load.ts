/**
 * `npm run load`: a bounded loopback load test. Starts the Worker through the Miniflare API (real
 * local D1 and Durable Objects, the demo configuration) and runs N complete logins, C at a time,
 * with the reference client: half as attested Android apps (development key attestation), half as
 * emulators that fall back to DCR with a client secret (a new device each, so each registers a
 * dynamic client). Stops at N logins, the request budget or the time limit, whichever comes first.
 * Reports errors, latency percentiles and, counted in D1 afterwards, lost or duplicated dynamic
 * clients. Writes bench/load-results.json.
 *   npm run load -- [--logins 1000] [--concurrency 16] [--max-seconds 300]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecurityLevel } from '@peculiar/asn1-android';
import { exportJWK, generateKeyPair } from 'jose';
import { Miniflare } from 'miniflare';
import { bootstrap, discover } from '../client/bootstrap';
import { androidAttester, DEMO, loginAndRedeem, memoryStore } from '../client/demo/scenarios';
import { createDevCa } from '../client/dev-attestation';
import { applySql } from '../test/support/apply-schema';
import { bundleWorker } from '../test/support/bundle-worker';

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function main(args: string[]): Promise<number> {
  const logins = option(args, 'logins', 1000);
  const concurrency = option(args, 'concurrency', 16);
  const maxSeconds = option(args, 'max-seconds', 300);
  const maxRequests = logins * 14;
  const dir = join(tmpdir(), `edge-haapi-load-${process.pid}`);
  await bundleWorker('src/index.ts', join(dir, 'worker.mjs'));
  const root = await createDevCa('load Android root');
  const signing = await generateKeyPair('ES256', { extractable: true });
  const port = 8000 + Math.floor(Math.random() * 900);
  const issuer = `http://127.0.0.1:${port}`;
  const demoVars = (await import('wrangler')).unstable_readConfig({ config: 'wrangler.toml' }).vars;
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, 'worker.mjs'),
    modulesRoot: dir,
    compatibilityDate: '2026-04-20',
    host: '127.0.0.1',
    port,
    // The Worker logs a line per event; a thousand logins would bury the summary.
    handleStructuredLogs: () => undefined,
    handleRuntimeStdio: (stdout, stderr) => {
      stdout.resume();
      stderr.resume();
    },
    bindings: {
      ENVIRONMENT: 'development',
      ISSUER: issuer,
      SIGNING_KEYS: JSON.stringify({
        keys: [{ ...(await exportJWK(signing.privateKey)), kid: 'load', alg: 'ES256' }],
      }),
      SERVER_SECRET: 'bG9hZC10ZXN0LXNlcnZlci1zZWNyZXQtMzItYnl0ZXMtbG9uZyE',
      ATTESTATION: String(demoVars.ATTESTATION),
      AUTHENTICATORS: String(demoVars.AUTHENTICATORS),
      ATTESTATION_STATUS_URL: '',
      DEV_ATTESTATION_ROOTS: root.pem,
      // One loopback address sends everything; the per-IP limits would only measure 429s.
      TOKEN_REQUESTS_PER_IP: '0',
      CAT_REQUESTS_PER_IP: '0',
      FLOWS_PER_IP: '0',
      ACCOUNT_CREATIONS_PER_IP: '0',
      LOGIN_ATTEMPTS_PER_IP: '100000',
      DCR_REGISTRATIONS_PER_IP: '100000',
      DCR_REGISTRATIONS_PER_CLIENT: '100000',
    },
    d1Databases: ['DB'],
    durableObjects: {
      HAAPI_FLOW: { className: 'HaapiFlow', useSQLite: true },
      REPLAY_GUARD: { className: 'ReplayGuard', useSQLite: true },
    },
  });
  await mf.ready;
  const db = (await mf.getD1Database('DB')) as unknown as D1Database;
  await applySql(db, readFileSync('schema.sql', 'utf8'));
  await applySql(db, readFileSync('seed/demo.sql', 'utf8'));

  let requests = 0;
  let stopped = '';
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const fetcher = (request: Request) => {
    requests++;
    if (requests > maxRequests) stopped ||= 'request budget';
    return fetch(request);
  };
  const endpoints = await discover(fetcher, issuer);
  const attested = androidAttester(root);
  const emulator = androidAttester(root, SecurityLevel.software);
  const results: { path: string; ms: number; clientId: string }[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  async function worker(): Promise<void> {
    for (;;) {
      if (performance.now() > deadline) stopped ||= 'time limit';
      if (stopped || next >= logins) return;
      const n = next++;
      const t0 = performance.now();
      try {
        const app = await bootstrap({
          fetch: fetcher,
          endpoints,
          clientId: DEMO.androidClient,
          attester: n % 2 === 0 ? attested : emulator,
          fallback: {
            templateId: DEMO.template,
            credential: { method: 'client_secret_basic', secret: DEMO.secret },
            store: memoryStore(),
          },
        });
        const { claims } = await loginAndRedeem({ issuer }, endpoints, app);
        if (claims.sub !== DEMO.username)
          throw new Error(`unexpected subject ${String(claims.sub)}`);
        results.push({ path: app.path, ms: performance.now() - t0, clientId: app.clientId });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;

  const registered = results.filter((r) => r.path === 'dcr-registered').map((r) => r.clientId);
  const stored = (
    await db
      .prepare('SELECT client_id FROM clients WHERE template_id = ?')
      .bind(DEMO.template)
      .all<{ client_id: string }>()
  ).results.map((r) => r.client_id);
  const storedSet = new Set(stored);
  const lost = registered.filter((id) => !storedSet.has(id)).length;
  const duplicated = registered.length - new Set(registered).size;
  const unexpected = stored.length - new Set(registered).size;
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
  const summary = {
    date: new Date().toISOString(),
    machine: `${process.platform} ${process.arch}, Node ${process.version}`,
    logins: {
      asked: logins,
      completed: results.length,
      failed: [...errors.values()].reduce((a, b) => a + b, 0),
    },
    concurrency,
    stopped: stopped || null,
    seconds: Math.round(seconds * 10) / 10,
    loginsPerSecond: Math.round((results.length / seconds) * 10) / 10,
    requests,
    latencyMs: {
      p50: Math.round(percentile(latencies, 50)),
      p95: Math.round(percentile(latencies, 95)),
      p99: Math.round(percentile(latencies, 99)),
      max: Math.round(latencies[latencies.length - 1] ?? 0),
    },
    paths: {
      attestation: results.filter((r) => r.path === 'attestation').length,
      dcr: registered.length,
    },
    d1: { dynamicClients: stored.length, lost, duplicated, unexpected },
    errors: Object.fromEntries(errors),
  };
  await mf.dispose();
  writeFileSync('bench/load-results.json', `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
  const clean = summary.logins.failed === 0 && lost === 0 && duplicated === 0 && unexpected === 0;
  return clean && results.length === logins ? 0 : 1;
}
