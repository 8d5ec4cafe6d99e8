/**
 * A passkey login in a browser, on a second workerd whose Worker also has the WebAuthn
 * authenticator (bench/passkey-login.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applySql } from '../../test/support/apply-schema';
import { passkeyLogin, startPasskeyServer } from '../passkey-login';
import { childPids, measure, N_HEAVY, ONLY, skipped } from '../runner';
import type { Bench } from '../setup';

export async function passkeyJob(b: Bench): Promise<void> {
  const { results, dir, bindings, floorCpu } = b;
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
  (results.passkey_login as { floor_us?: number }).floor_us = await floorCpu({
    es256_verify: 1,
    es256_sign: 2,
  });
}
