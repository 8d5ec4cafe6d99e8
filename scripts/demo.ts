/**
 * `npm run demo`: the reference client (client/) against the server that `npm start` runs. Each
 * scenario bootstraps an app (attestation first, DCR fallback), logs in as `demo` through the
 * HAAPI and prints the steps, the timings and the token's claims, then a summary table; the last
 * one prints a browser login to try with a WebAuthn device. Dynamic clients are kept per device in
 * .local/demo/devices/ (a phone would keep them in its secure storage) and reused on later runs.
 * Options: --issuer <url> (default http://127.0.0.1:8787), --forget (delete the stored clients).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientStore, StoredClient } from '../client/bootstrap';
import {
  DEMO,
  type DemoEnvironment,
  runScenarios,
  type ScenarioResult,
} from '../client/demo/scenarios';
import { DEMO_DIR, demoFiles, jwtPrivateKey } from './demo-credentials';

const DEVICES = join(DEMO_DIR, 'devices');

function fileStore(device: string): ClientStore {
  const path = join(DEVICES, `${device}.json`);
  return {
    load: async () =>
      existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StoredClient) : null,
    save: async (client) => {
      mkdirSync(DEVICES, { recursive: true });
      writeFileSync(path, JSON.stringify(client, null, 2), { mode: 0o600 });
    },
    clear: async () => rmSync(path, { force: true }),
  };
}

const dim = (text: string) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);
const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

function print(result: ScenarioResult): void {
  for (const step of result.steps) {
    console.log(
      `    ${step.type.padEnd(30)} ${dim('←')} ${(step.action ?? '').padEnd(28)} ${String(step.ms).padStart(5)} ms`,
    );
  }
  const { sub, client_id, cal, acr, amr, cnf } = result.claims as Record<string, unknown>;
  console.log(`    access token: ${JSON.stringify({ sub, client_id, cal, acr, amr, cnf })}`);
}

function table(results: ScenarioResult[]): void {
  const rows = results.map((r) => [
    r.name,
    r.path,
    r.clientId.length > 28 ? `${r.clientId.slice(0, 27)}…` : r.clientId,
    String(r.claims.cal ?? ''),
    `${r.ms} ms`,
  ]);
  const header = ['scenario', 'path', 'client', 'cal', 'time'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\n${bold(line(header))}`);
  for (const row of rows) console.log(line(row));
}

export async function main(args: string[]): Promise<number> {
  const issuer =
    args[args.indexOf('--issuer') + 1] && args.includes('--issuer')
      ? (args[args.indexOf('--issuer') + 1] as string)
      : 'http://127.0.0.1:8787';
  if (args.includes('--forget')) rmSync(DEVICES, { recursive: true, force: true });
  try {
    await fetch(`${issuer}/.well-known/openid-configuration`);
  } catch {
    console.error(`No server at ${issuer}. Start it first with: npm start`);
    return 1;
  }
  const files = await demoFiles();
  const events = new Map<string, string[]>();
  const env: DemoEnvironment = {
    fetch: (request) => fetch(request),
    issuer,
    credentials: {
      androidRoot: files.androidRoot,
      iosRoot: files.iosRoot,
      iosCa: files.iosCa,
      jwtKey: await jwtPrivateKey(files),
      mtlsCertificate: files.mtlsCertificate,
    },
    storeFor: fileStore,
    onEvent: (scenario, event, detail) => {
      const lines = events.get(scenario) ?? [];
      lines.push(`    ${dim(event.padEnd(30))}   ${detail ?? ''}`);
      events.set(scenario, lines);
    },
  };
  let results: ScenarioResult[];
  try {
    results = await runScenarios(env);
  } catch (err) {
    console.error(`\nThe demo stopped: ${err instanceof Error ? err.message : String(err)}`);
    console.error('Is this the server `npm start` runs (with its .dev.vars)? Try: npm start');
    return 1;
  }
  for (const result of results) {
    console.log(`\n${bold(result.name)}  ${dim(`(${result.path}, ${result.ms} ms)`)}`);
    for (const line of events.get(result.name) ?? []) console.log(line);
    print(result);
  }
  table(results);
  const web = issuer.replace('127.0.0.1', 'localhost');
  console.log(`\n${bold('6 a browser login with a passkey')} (for you to try)`);
  console.log(`    open ${web}/dev and press Sign in`);
  console.log(
    `    choose "Passkey", follow "Register a new device", sign in with ${DEMO.username} / ${DEMO.password} to register a passkey, then sign in with it (username ${DEMO.username}, or "Sign in with a passkey").`,
  );
  console.log(
    '    You come back to the development console, which shows the code and redeems it (PKCE and a DPoP proof).',
  );
  return 0;
}
