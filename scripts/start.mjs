#!/usr/bin/env node
// `npm start`: one Node process that prepares the local server and runs `wrangler dev` (workerd,
// local D1 and Durable Objects) on http://127.0.0.1:$PORT (8787 by default), with no login, no
// telemetry and nothing leaving the machine. In order:
//  1. builds the browser assets (scripts/build-assets.mjs) and the local set-up
//     (scripts/setup-local.mjs: .dev.vars secrets, schema, demo seed);
//  2. checks every setting with the Worker's own parser (scripts/check-settings.ts) and stops,
//     naming the setting, if one is invalid;
//  3. checks that the port is free;
//  4. starts wrangler in a process group of its own (wrangler reloads the Worker when
//     wrangler.toml or .dev.vars changes; this process checks the settings again then, and
//     prints what is wrong while the old values keep serving) and forwards SIGINT, SIGTERM and SIGHUP to
//     the whole group, so stopping this process (Ctrl+C, an IDE's stop button, `kill`, a
//     container's stop) stops wrangler and workerd too.
// Arguments (`npm start -- --var NAME:value ...`) go to the settings check and wrangler dev.
// PERSIST_TO=<dir> keeps the local D1 and Durable Objects there instead of .wrangler/state.
// With PORT set, the development issuer and the WebAuthn origin follow the port unless .dev.vars
// or the environment sets them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, watch } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const host = '127.0.0.1';
const port = process.env.PORT ?? '8787';
const base = `http://${host}:${port}`;
const quiet = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

let current;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopping = true;
    if (current?.pid && current.exitCode === null) {
      try {
        process.kill(-current.pid, signal);
      } catch {
        current.kill(signal);
      }
    } else {
      process.exit(1);
    }
  });
}
process.on('exit', () => {
  if (current?.pid && current.exitCode === null) {
    try {
      process.kill(-current.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});

/** Runs one step in its own process group; resolves with its exit code. */
function run(args, env = {}) {
  return new Promise((resolve) => {
    current = spawn(process.execPath, args, {
      cwd: root,
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, ...quiet, ...env },
    });
    current.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function step(args) {
  const code = await run(args);
  if (code !== 0 || stopping) process.exit(code || 1);
}

function portIsFree() {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(Number(port), host, () => server.close(() => resolve(true)));
  });
}

/** `--var` overrides that make the development issuer and WebAuthn origin follow PORT. */
function portVars() {
  if (port === '8787') return [];
  const devVars = join(root, '.dev.vars');
  const local = existsSync(devVars) ? parseEnv(readFileSync(devVars, 'utf8')) : {};
  const vars = [];
  if (!process.env.ISSUER && !local.ISSUER) vars.push(`ISSUER:${base}`);
  if (!process.env.WEBAUTHN && !local.WEBAUTHN) {
    const webauthn = { rpId: 'localhost', origins: [`http://localhost:${port}`] };
    vars.push(`WEBAUTHN:${JSON.stringify(webauthn)}`);
  }
  return vars.flatMap((v) => ['--var', v]);
}

await step([join(root, 'scripts', 'build-assets.mjs')]);
await step([join(root, 'scripts', 'setup-local.mjs')]);
// `npm start -- --var NAME:value` overrides a setting for this run, checked like the rest.
const overrides = [...portVars(), ...process.argv.slice(2)];
await step([join(root, 'scripts', 'run-ts.mjs'), 'scripts/check-settings.ts', ...overrides]);
if (!(await portIsFree())) {
  console.error(`edge-haapi: port ${port} on ${host} is taken (another npm start, or another server).
  Stop the other server, or start on another port: PORT=8788 npm start
  (the development issuer and the WebAuthn origin follow PORT).`);
  process.exit(1);
}

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

/** On a change of wrangler.toml or .dev.vars, the settings are checked again (not fatal). */
function watchSettings() {
  let timer;
  const check = () => {
    const result = spawnSync(
      process.execPath,
      [join(root, 'scripts', 'run-ts.mjs'), 'scripts/check-settings.ts', ...overrides],
      { cwd: root, stdio: 'inherit', env: { ...process.env, ...quiet } },
    );
    if (result.status === 0) console.log('edge-haapi: settings checked again: valid');
  };
  for (const file of ['wrangler.toml', '.dev.vars']) {
    if (!existsSync(join(root, file))) continue;
    watch(join(root, file), () => {
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    }).unref();
  }
}
watchSettings();

const code = await run([
  join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
  'dev',
  '--local',
  ...(process.env.PERSIST_TO ? ['--persist-to', process.env.PERSIST_TO] : []),
  '--ip',
  host,
  '--port',
  port,
  '--show-interactive-dev-session=false',
  ...overrides,
]);
process.exit(code);
