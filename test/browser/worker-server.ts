/**
 * Runs the Worker for browser tests through the Miniflare API: the bundled src/index.ts in workerd,
 * in-memory D1 (schema and demo seed applied) and SQLite-backed Durable Objects, on a free port of
 * localhost. Returns the issuer URL and a stop function.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { Miniflare } from 'miniflare';
import { applySql } from '../support/apply-schema';
import { bundleWorker } from '../support/bundle-worker';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startWorker(extraBindings: Record<string, string> = {}): Promise<{
  issuer: string;
  mf: Miniflare;
  stop: () => Promise<void>;
}> {
  const dir = join(tmpdir(), `edge-haapi-browser-${process.pid}`);
  const outfile = join(dir, 'worker.mjs');
  await bundleWorker('src/index.ts', outfile);
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const mf = new Miniflare({
    modules: true,
    scriptPath: outfile,
    modulesRoot: dir,
    compatibilityDate: '2026-04-20',
    host: '127.0.0.1',
    port,
    bindings: {
      ENVIRONMENT: 'development',
      ISSUER: issuer,
      CORS_ORIGINS: 'http://localhost:5173',
      SIGNING_KEYS: JSON.stringify({
        keys: [{ ...(await exportJWK(privateKey)), kid: 'browser', alg: 'ES256' }],
      }),
      SERVER_SECRET: 'YnJvd3Nlci10ZXN0LXNlcnZlci1zZWNyZXQtMzItYnl0ZXMh',
      ATTESTATION_STATUS_URL: '',
      ATTESTATION: JSON.stringify({ 'web-test': { platform: 'web', mode: 'non-production' } }),
      ...extraBindings,
    },
    d1Databases: ['DB'],
    durableObjects: {
      HAAPI_FLOW: { className: 'HaapiFlow', useSQLite: true },
      REPLAY_GUARD: { className: 'ReplayGuard', useSQLite: true },
    },
  });
  await mf.ready;
  const db = await mf.getD1Database('DB');
  await applySql(db as unknown as D1Database, readFileSync('schema.sql', 'utf8'));
  await applySql(db as unknown as D1Database, readFileSync('seed/demo.sql', 'utf8'));
  return { issuer, mf, stop: () => mf.dispose() };
}

/** A client's redirect URI served by a page of its own on another port, as a real app has. */
export async function callbackServer(): Promise<{ url: string; close: () => void }> {
  const port = await freePort();
  const server = createHttpServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>callback</p>'),
  );
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://localhost:${port}/callback`, close: () => server.close() };
}
