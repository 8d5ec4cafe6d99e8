/**
 * The geo model (`npm run bench`, also alone: `BENCH_ONLY=geo`): the demo's six logins (the
 * reference client's scenarios, as `npm run demo` runs them) against the Worker whose storage
 * bindings wait the round trip a far user would pay (bench/geo-worker.ts: D1's primary and shared
 * objects far, read replicas and the user's own objects near), beside a central-server model (the
 * server next to its storage, one far round trip per HTTP request). Reports, per login and per
 * request, the far and near round trips on the critical path and the far user's wall time.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { Miniflare } from 'miniflare';
import { unstable_readConfig } from 'wrangler';
import { type DemoEnvironment, runScenarios, type ScenarioResult } from '../client/demo/scenarios';
import { applySql } from '../test/support/apply-schema';
import { bundleWorker } from '../test/support/bundle-worker';
import {
  demoDevelopmentVars,
  memoryStores,
  registerDemoKeys,
  type ThrowAwayDemo,
  throwAwayDemo,
} from '../test/support/demo-setup';

export const FAR_MS = 200;
export const NEAR_MS = 3;
const PORT = 8797;
const ISSUER = `http://127.0.0.1:${PORT}`;

export interface GeoRequest {
  readonly request: string;
  readonly far: number;
  readonly near: number;
  /** Storage calls left to ctx.waitUntil (not on the critical path). */
  readonly deferred: number;
  readonly farKinds: readonly string[];
}

export interface GeoLogin {
  readonly name: string;
  readonly requests: number;
  readonly far: number;
  readonly near: number;
  /** Wall time with no added latency (this machine). */
  readonly localMs: number;
  /** Wall time with every storage call delayed as for a far user. */
  readonly farUserMs: number;
  /** The central-server model: local wall time plus one far round trip per HTTP request. */
  readonly centralMs: number;
  readonly perRequest: readonly GeoRequest[];
}

export interface GeoResults {
  readonly model: { farMs: number; nearMs: number };
  readonly logins: readonly GeoLogin[];
  readonly meanFarUserMs: number;
  readonly meanCentralMs: number;
  readonly farOverCentral: number;
}

/** `POST /oauth/v2/oauth-token (client_credentials urn:…:haapi)`, flow ids replaced. */
async function label(request: Request): Promise<string> {
  const url = new URL(request.url);
  const path = url.pathname.replace(/\/authn\/[^/]+/, '/authn/<flow>');
  let detail = '';
  if (request.method === 'POST' && url.pathname.endsWith('/oauth-token')) {
    const form = new URLSearchParams(await request.clone().text());
    detail = ` (${form.get('grant_type')}${form.get('scope') ? ` ${form.get('scope')}` : ''})`;
  } else if (url.searchParams.has('flow')) {
    detail = ' (resume)';
  }
  return `${request.method} ${path}${detail}`;
}

function parseTrips(header: string | null): {
  far: number;
  near: number;
  deferred: number;
  farKinds: string[];
} {
  const parts = Object.fromEntries(
    (header ?? '').split(';').map((p) => p.split('=') as [string, string]),
  );
  return {
    far: Number(parts.far ?? 0),
    near: Number(parts.near ?? 0),
    deferred: Number(parts.deferred ?? 0),
    farKinds: (parts['far-kinds'] ?? '').split(',').filter(Boolean),
  };
}

async function runOnce(
  script: string,
  demo: ThrowAwayDemo,
  signingKeys: string,
  latency: { far: number; near: number },
): Promise<{ results: ScenarioResult[]; requests: GeoRequest[][] }> {
  const vars = unstable_readConfig({ config: 'wrangler.toml' }).vars as Record<string, string>;
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: join(script, '..'),
    compatibilityDate: '2026-04-20',
    bindings: {
      ...vars,
      ISSUER,
      SIGNING_KEYS: signingKeys,
      SERVER_SECRET: 'Z2VvLWJlbmNoLXNlcnZlci1zZWNyZXQtMzItYnl0ZXMtbG9uZyEh',
      ...demoDevelopmentVars(demo),
      ATTESTATION_STATUS_URL: '',
      GEO_FAR_MS: String(latency.far),
      GEO_NEAR_MS: String(latency.near),
    },
    d1Databases: ['DB'],
    durableObjects: {
      HAAPI_FLOW: { className: 'HaapiFlow', useSQLite: true },
      REPLAY_GUARD: { className: 'ReplayGuard', useSQLite: true },
    },
    unsafeDirectSockets: [{ host: '127.0.0.1', port: PORT }],
    host: '127.0.0.1',
    port: PORT + 1,
  });
  try {
    await mf.ready;
    const db = await mf.getD1Database('DB');
    await applySql(db, readFileSync('schema.sql', 'utf8'));
    await applySql(db, readFileSync('seed/demo.sql', 'utf8'));
    await registerDemoKeys(db, demo);
    const base = (await mf.unsafeGetDirectURL()).origin;
    const requests: GeoRequest[][] = [];
    const environment = (): DemoEnvironment => ({
      issuer: ISSUER,
      fetch: async (request) => {
        const name = await label(request);
        const url = new URL(request.url);
        const response = await fetch(new Request(`${base}${url.pathname}${url.search}`, request));
        // Each login of the demo starts by reading the discovery document (apps cache it: it is
        // not counted as one of the login's requests).
        if (name === 'GET /.well-known/openid-configuration') requests.push([]);
        else
          requests
            .at(-1)
            ?.push({ request: name, ...parseTrips(response.headers.get('X-Geo-Trips')) });
        return response;
      },
      credentials: demo.credentials,
      storeFor: memoryStores(),
    });
    // A warm-up pass (compiled code, caches, every object created once), then the measured one,
    // on new device stores (so scenario 3 registers again, then reuses its client).
    await runScenarios(environment());
    requests.length = 0;
    const results = await runScenarios(environment());
    return { results, requests };
  } finally {
    await mf.dispose();
  }
}

export async function runGeo(dir: string): Promise<GeoResults> {
  mkdirSync(join(dir, 'geo'), { recursive: true });
  const script = join(dir, 'geo', 'geo.mjs');
  await bundleWorker('bench/geo-worker.ts', script);
  const demo = await throwAwayDemo();
  const signing = await generateKeyPair('ES256', { extractable: true });
  const signingKeys = JSON.stringify({
    keys: [{ ...(await exportJWK(signing.privateKey)), kid: 'geo', alg: 'ES256' }],
  });
  const local = await runOnce(script, demo, signingKeys, { far: 0, near: 0 });
  const far = await runOnce(script, demo, signingKeys, { far: FAR_MS, near: NEAR_MS });
  const logins: GeoLogin[] = far.results.map((result, i) => {
    const perRequest = far.requests[i] ?? [];
    const localMs = local.results[i]?.ms ?? 0;
    return {
      name: result.name,
      requests: perRequest.length,
      far: perRequest.reduce((n, r) => n + r.far, 0),
      near: perRequest.reduce((n, r) => n + r.near, 0),
      localMs,
      farUserMs: result.ms,
      centralMs: localMs + FAR_MS * perRequest.length,
      perRequest,
    };
  });
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const meanFarUserMs = Math.round(mean(logins.map((l) => l.farUserMs)));
  const meanCentralMs = Math.round(mean(logins.map((l) => l.centralMs)));
  return {
    model: { farMs: FAR_MS, nearMs: NEAR_MS },
    logins,
    meanFarUserMs,
    meanCentralMs,
    farOverCentral: Math.round((meanFarUserMs / meanCentralMs) * 100) / 100,
  };
}

/** The geo figures as tables: per login, then the far round trips of each request. */
export function printGeo(geo: GeoResults): void {
  console.log(`\ngeo model: far round trip ${geo.model.farMs} ms, near ${geo.model.nearMs} ms`);
  console.table(
    geo.logins.map((l) => ({
      login: l.name,
      requests: l.requests,
      far: l.far,
      near: l.near,
      'local ms': l.localMs,
      'far user ms': l.farUserMs,
      'central ms': l.centralMs,
    })),
  );
  console.log(
    `mean far-user login ${geo.meanFarUserMs} ms, central server ${geo.meanCentralMs} ms: ${geo.farOverCentral}×`,
  );
  const byRequest = new Map<string, { n: number; far: number; near: number; kinds: Set<string> }>();
  for (const login of geo.logins) {
    for (const r of login.perRequest) {
      const entry = byRequest.get(r.request) ?? { n: 0, far: 0, near: 0, kinds: new Set() };
      entry.n += 1;
      entry.far += r.far;
      entry.near += r.near;
      for (const kind of r.farKinds) entry.kinds.add(kind);
      byRequest.set(r.request, entry);
    }
  }
  console.table(
    [...byRequest].map(([request, e]) => ({
      request,
      count: e.n,
      'far / request': Math.round((e.far / e.n) * 10) / 10,
      'near / request': Math.round((e.near / e.n) * 10) / 10,
      'far kinds': [...e.kinds].join(' '),
    })),
  );
}
