#!/usr/bin/env node
// `npm start`: runs the Worker locally with `wrangler dev` (workerd, local D1 and Durable
// Objects) on http://127.0.0.1:8787, with no login, no telemetry and nothing leaving the machine.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const host = '127.0.0.1';
const port = process.env.PORT ?? '8787';
const base = `http://${host}:${port}`;

const child = spawn(
  process.execPath,
  [
    join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
    'dev',
    '--local',
    '--ip',
    host,
    '--port',
    port,
    '--show-interactive-dev-session=false',
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_HIDE_BANNER: 'true',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    },
  },
);

console.log(`
edge-haapi (development) is starting on ${base}
  discovery      ${base}/.well-known/openid-configuration
  JWKS           ${base}/oauth/v2/jwks
  token          ${base}/oauth/v2/oauth-token
  authorize      ${base}/oauth/v2/oauth-authorize
  attestation    ${base}/oauth/v2/oauth-token/cat
  registration   ${base}/oauth/v2/oauth-registration
  introspection  ${base}/oauth/v2/oauth-introspect
  revocation     ${base}/oauth/v2/oauth-revoke
  userinfo       ${base}/oauth/v2/oauth-userinfo
Demo clients: haapi-android-client, haapi-ios-client, haapi-template-client, haapi-web-client,
demo-backend (secret Password1); demo account: demo / Password1. Stop with Ctrl+C.
`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
