// Two projects: `workers` runs inside workerd through @cloudflare/vitest-pool-workers (real D1 and
// Durable Objects from wrangler.toml); `node` runs the checks that need the file system or a
// browser. The schema and the demo seed are read here and applied by test/support/setup.ts.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { exportJWK, generateKeyPair } from 'jose';
import { defineConfig } from 'vitest/config';
import { unstable_readConfig } from 'wrangler';

async function testSigningKeys(): Promise<string> {
  const es = await generateKeyPair('ES256', { extractable: true });
  const rsa = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return JSON.stringify({
    keys: [
      { ...(await exportJWK(es.privateKey)), kid: 'test-es256', alg: 'ES256' },
      { ...(await exportJWK(rsa.privateKey)), kid: 'test-rs256-previous', alg: 'RS256' },
    ],
  });
}

export default defineConfig(async () => {
  const signingKeys = await testSigningKeys();
  const demoVars = unstable_readConfig({ config: 'wrangler.toml' }).vars;
  return {
    test: {
      // Two test files at a time even on 2 cores (Vitest's default there is one): most of the
      // suite's time is spent waiting on processes it starts (workerd, wrangler, Chromium), and the
      // two projects' slowest files overlap (the whole `npm test` 8 min 5 s -> 6 min 30 s on a 2-core machine).
      maxWorkers: Math.max(2, availableParallelism() - 1),
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: './src/index.ts',
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  SIGNING_KEYS: signingKeys,
                  SERVER_SECRET: 'dGVzdC1zZXJ2ZXItc2VjcmV0LW9mLTMyLWJ5dGVzLWF0LWxlYXN0',
                  // The demo (wrangler.toml) offers password and WebAuthn; the suite's login tests
                  // run the password authenticator alone, and the WebAuthn tests set their own.
                  AUTHENTICATORS: '[{"id":"pw","type":"password","registration":true}]',
                  TEST_DEMO_AUTHENTICATORS: String(demoVars.AUTHENTICATORS),
                  // The suite generates association files from its own policies; the demo's
                  // static document is checked on its own.
                  ANDROID_ASSET_LINKS: 'generated',
                  TEST_DEMO_ASSET_LINKS: String(demoVars.ANDROID_ASSET_LINKS),
                  // .dev.vars (written by `npm start`) must not leak its development-only
                  // settings into the suite; the tests that need them set their own.
                  DEV_ATTESTATION_ROOTS: '',
                  DEV_CLIENT_CERTIFICATE_HEADER: 'false',
                  DEV_MTLS_CA: '',
                  // The suite never reaches the network: the Cron tests set their own URLs and
                  // stub fetch.
                  ATTESTATION_STATUS_URL: '',
                  WEBAUTHN_METADATA_URL: '',
                  // Every test request comes from one address; the rate-limit tests set their own.
                  TOKEN_REQUESTS_PER_IP: '0',
                  CAT_REQUESTS_PER_IP: '0',
                  FLOWS_PER_IP: '0',
                  ACCOUNT_CREATIONS_PER_IP: '0',
                  // Cases per fuzz property: a fast profile here, `npm run soak` sets 10,000.
                  FUZZ_RUNS: process.env.FUZZ_RUNS ?? '',
                  TEST_SCHEMA_SQL: readFileSync('schema.sql', 'utf8'),
                  TEST_SEED_SQL: readFileSync('seed/demo.sql', 'utf8'),
                },
              },
            }),
          ],
          test: {
            name: 'workers',
            silent: 'passed-only',
            include: ['test/{unit,integration,durable-objects,regressions,fuzz}/**/*.test.ts'],
            setupFiles: ['test/support/setup.ts'],
          },
        },
        {
          test: {
            name: 'node',
            environment: 'node',
            include: ['test/node/**/*.test.ts', 'test/browser/**/*.test.ts'],
            // Chromium is found, or installed, once for the whole project (test/browser/global-setup.ts).
            globalSetup: ['test/browser/global-setup.ts'],
            // These tests start processes (the CLIs, wrangler, Chromium): a ceiling for a slow
            // machine, not a speed check (speed is the bench's).
            testTimeout: 30_000,
          },
        },
      ],
    },
  };
});
